// What each role sees: a member reads and works leads, with no edit controls elsewhere (and the
// API refuses a forced write); a platform admin lists, creates and opens businesses.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, apiAs, closeBrowser, MEMBER, open, shot, signIn } from './browser.mjs';

after(closeBrowser);

test('a member sees no edit controls, and the API refuses a forced write', async () => {
  const { page, problems } = await open();
  await signIn(page, MEMBER);
  await page.goto('/agent');
  await page.getByLabel('Greeting for new callers').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Save', exact: true }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Sync to ElevenLabs' }).count(), 0);
  assert.equal(await page.getByLabel('Greeting for new callers').getAttribute('readonly'), '');
  await shot(page, 'member-agent');
  await page.goto('/clients');
  await page.getByRole('link', { name: 'Dana Whitfield' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'New client' }).count(), 0);
  await page.getByRole('link', { name: 'Dana Whitfield' }).click();
  await page.getByLabel('Company').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Save' }).count(), 0);
  await page.goto('/integrations');
  await page.getByRole('heading', { name: 'Jira' }).waitFor();
  assert.equal(await page.getByRole('button', { name: /Connect|Disconnect/ }).count(), 0);
  // The knowledge base is read, not written, by a member.
  await page.goto('/knowledge');
  await page.getByRole('link', { name: 'Studio FAQ' }).click();
  await page.getByLabel('Title').waitFor();
  assert.equal(await page.getByRole('button', { name: /Save|Delete/ }).count(), 0);
  assert.equal(await page.getByLabel('Upload a file').count(), 0);
  // Leads are a member's work: the follow-up form is there.
  await page.goto('/leads');
  await page.locator('table.list tbody tr a').first().click();
  await page.getByRole('button', { name: 'Save' }).waitFor();
  const api = await apiAs(MEMBER);
  const forced = await api.call('PUT', `/api/businesses/${api.businessId}/urgency-keywords`, { keywords: [] });
  assert.equal(forced.status, 403);
  assert.equal(forced.body.error.code, 'forbidden');
  assert.deepEqual(problems, []);
});

test('a platform admin creates a business, invites its owner, and opens it', async () => {
  const { page, problems } = await open();
  await signIn(page, ADMIN);
  await page.getByRole('heading', { name: 'All businesses' }).waitFor();
  await page.getByRole('button', { name: 'Aurora Branding' }).waitFor();
  await shot(page, 'businesses');
  await page.getByRole('button', { name: 'New business' }).click();
  const stamp = Date.now() % 100000;
  await page.getByLabel('Business name').fill(`Harbor Dental ${stamp}`);
  await page.getByLabel('Time zone').selectOption('America/Chicago');
  await page.getByLabel("Owner's email").fill('not-an-email');
  await page.getByRole('button', { name: 'Create and invite the owner' }).click();
  await page.locator('[data-field-error="owner_email"]').waitFor();
  await page.getByLabel("Owner's email").fill(`owner${stamp}@harbor.example`);
  await page.getByRole('button', { name: 'Create and invite the owner' }).click();
  // The invitation link is shown once, to send to the owner.
  const link = await page.getByLabel('Invitation link').inputValue();
  assert.match(link, /\/accept-invite#token=[\w-]{20,}$/);
  // The list below already holds it.
  await page.getByRole('button', { name: `Harbor Dental ${stamp}`, exact: true }).waitFor();
  await shot(page, 'business-invitation');
  await page.getByRole('button', { name: `Open Harbor Dental ${stamp}` }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.locator('.business-name', { hasText: `Harbor Dental ${stamp}` }).waitFor();
  await shot(page, 'business-created');
  // Back to the list: the new business is there, found by name.
  await page.getByRole('link', { name: 'All businesses' }).click();
  await page.getByLabel('Search', { exact: true }).fill('Harbor');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: `Harbor Dental ${stamp}` }).waitFor();
  assert.deepEqual(problems, []);
});

test("the owner's invitation link sets a password and signs them in", async () => {
  const admin = await apiAs(ADMIN);
  const stamp = Date.now() % 100000;
  const created = await admin.call('POST', '/api/businesses', {
    name: `Invite Test ${stamp}`,
    timezone: 'Europe/London',
    default_region: 'GB',
    owner_email: `invited${stamp}@example.com`,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const link = new URL(created.body.owner.invite_url);
  const { page, problems } = await open();
  await page.goto(link.pathname + link.hash);
  await page.getByLabel('New password').fill('a long enough password');
  await page.getByLabel('The same password again').fill('a long enough password');
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.locator('.business-name', { hasText: `Invite Test ${stamp}` }).waitFor();
  await shot(page, 'invited-owner-signed-in');
  assert.deepEqual(problems, []);
});

test('a business owner cannot list businesses', async () => {
  const owner = await apiAs({ email: 'owner@aurora.example', password: ADMIN.password });
  assert.equal((await owner.call('GET', '/api/businesses')).status, 403);
  // Nor does the dashboard offer it: no link, and the address is no page of theirs.
  const { page, problems } = await open();
  await signIn(page, { email: 'owner@aurora.example', password: ADMIN.password });
  assert.equal(await page.getByRole('link', { name: 'All businesses' }).count(), 0);
  await page.goto('/businesses');
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  await shot(page, 'owner-no-businesses');
  assert.deepEqual(problems, []);
});
