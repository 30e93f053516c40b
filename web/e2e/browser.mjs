// The browser the end-to-end tests drive: Debian's Chromium (never a downloaded one), headless,
// through playwright-core, against the whole local stack at BASE_URL. Each test saves screenshots
// under e2e/screenshots/.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
export const OWNER = { email: process.env.OWNER_EMAIL ?? 'owner@aurora.example', password: process.env.DEMO_PASSWORD ?? 'aurora-demo-password' };
export const MEMBER = { email: process.env.MEMBER_EMAIL ?? 'member@aurora.example', password: process.env.DEMO_PASSWORD ?? 'aurora-demo-password' };
export const ADMIN = { email: process.env.ADMIN_EMAIL ?? 'admin@studioconnect.example', password: process.env.DEMO_PASSWORD ?? 'aurora-demo-password' };
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
mkdirSync(SHOTS, { recursive: true });

let browser;

/** One browser for the whole run; a fresh context (cookies, storage) per test. */
export async function open({ width = 1440, height = 900 } = {}) {
  browser ??= await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // Root in CI needs --no-sandbox; the rest keep Chromium off the (closed) network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width, height }, baseURL: BASE_URL });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A CSP violation or a script error is a defect. Chromium also logs each 4xx answer, which
    // the tests provoke on purpose (a wrong password, an invalid field): those are not.
    if (m.type() === 'error' && !/the server responded with a status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return { context, page, problems };
}

export async function closeBrowser() {
  await browser?.close();
  browser = undefined;
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

export async function signIn(page, who) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
  await page.getByRole('heading', { level: 1 }).first().waitFor();
}

/** The API as a test sets things up or checks them (same origin, a token of its own). */
export async function apiAs(who) {
  const res = await fetch(`${BASE_URL}/api/auth/login`, { method: 'POST', body: JSON.stringify(who), headers: { 'content-type': 'application/json' } });
  if (!res.ok) throw new Error(`login as ${who.email}: ${res.status}`);
  const { access_token, business_id } = await res.json();
  const call = async (method, path, body) => {
    const r = await fetch(`${BASE_URL}${path}`, {
      method,
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  return { call, businessId: business_id };
}

/** A test file's page, signed in as `who` before its tests; after them, the browser is closed
 * and no page may have logged a script error or a CSP violation. */
export function signedInPage(who) {
  const state = {};
  before(async () => {
    Object.assign(state, await open());
    await signIn(state.page, who);
  });
  after(async () => {
    await closeBrowser();
    assert.deepEqual(state.problems, [], 'no script error or CSP violation');
  });
  return state;
}
