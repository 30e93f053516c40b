import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, closeBrowser, open, OWNER, shot, signIn } from './browser.mjs';

after(closeBrowser);

test('a wrong password is refused with a message, the right one signs in', async () => {
  const { page, problems } = await open();
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(OWNER.email);
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'do not match an account' }).waitFor();
  await shot(page, 'sign-in-wrong-password');
  await page.getByLabel('Password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  // The access token is kept in memory only; the tab keeps the refresh token alone.
  const stored = await page.evaluate(() => ({ local: { ...localStorage }, session: { ...sessionStorage } }));
  assert.deepEqual(stored.local, {});
  assert.deepEqual(Object.keys(stored.session), ['studioconnect.refresh']);
  assert.deepEqual(problems, []);
});

test('a deep link asks for sign-in first and returns to the page', async () => {
  const { page } = await open();
  await page.goto('/leads?status=new');
  await page.waitForURL(/\/sign-in\?next=/);
  await page.getByLabel('Email').fill(OWNER.email);
  await page.getByLabel('Password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Leads' }).waitFor();
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/leads?status=new');
  await shot(page, 'deep-link-returned');
});

test('a reload keeps the session; signing out ends it', async () => {
  const { page } = await open();
  await signIn(page, OWNER);
  await page.goto('/clients');
  // The load has resumed the session (its refresh exchanged) before the reload.
  await page.getByRole('heading', { name: 'Clients' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Clients' }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/sign-in$/);
  await page.goto('/calls');
  await page.waitForURL(/\/sign-in\?next=%2Fcalls/);
  await page.getByLabel('Email').waitFor();
  await shot(page, 'signed-out');
});

test('an access token refused as expired is refreshed once and the request retried', async () => {
  const { page, problems } = await open();
  await signIn(page, OWNER);
  let refused = 0;
  let refreshes = 0;
  // The API refuses the calls list's first request as an expired token would be refused.
  await page.route('**/api/businesses/*/calls?**', async (route) => {
    if (refused++ > 0) return route.continue();
    await route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unauthorized', message: 'the token has expired' } }) });
  });
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/auth/refresh') refreshes++;
  });
  await page.getByRole('link', { name: 'Calls' }).click();
  await page.locator('tbody tr').first().waitFor();
  assert.equal(new URL(page.url()).pathname, '/calls', 'still on the page, still signed in');
  assert.equal(refused, 2, 'refused once, then retried');
  assert.equal(refreshes, 1);
  await shot(page, 'token-refreshed');
  assert.deepEqual(problems, []);
});

test('a session ended elsewhere returns to sign-in, remembering the page', async () => {
  const { page } = await open();
  await signIn(page, OWNER);
  await page.goto('/calls');
  await page.getByRole('heading', { name: 'Calls' }).waitFor();
  // Signing out everywhere (another device) ends this tab's access and refresh tokens.
  const api = await apiAs(OWNER);
  assert.equal((await api.call('POST', '/api/auth/logout', { everywhere: true })).status, 204);
  await page.getByRole('link', { name: 'Leads' }).click();
  await page.waitForURL(/\/sign-in\?next=%2Fleads/);
  await page.getByLabel('Email').waitFor();
  await shot(page, 'session-expired');
});
