// Working the business's records: a client the agent then recognises, a lead's follow-up, errors
// shown where they belong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, OWNER, shot, signedInPage } from './browser.mjs';
import { personalize } from './webhook.mjs';

const signedIn = signedInPage(OWNER);

test('a client created in the dashboard is recognised on their next call, with their own greeting', async () => {
  const { page } = signedIn;
  const number = `+1415555${String(Date.now() % 10000).padStart(4, '0')}`;
  await page.goto('/clients');
  await page.getByRole('link', { name: 'New client' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Robin Okafor');
  await page.getByLabel('Company').fill('Okafor Ceramics');
  await page.getByLabel('Email').fill('not an address');
  await page.getByLabel('Phone number 1').fill(number);
  await page.getByLabel('Own greeting').fill('Hi {{caller_first_name}}, your glaze samples are ready!');
  await page.getByRole('button', { name: 'Create client' }).click();
  // The API's 400 names the field; the form shows it there.
  const emailError = page.locator('[data-field-error="email"]');
  await emailError.waitFor();
  assert.match(await emailError.textContent(), /not an email address/);
  await shot(page, 'client-invalid-email');
  await page.getByLabel('Email').fill('robin@okafor.example');
  await page.getByRole('button', { name: 'Create client' }).click();
  await page.waitForURL(/\/clients\/[0-9a-f-]{36}$/);
  await page.getByRole('heading', { name: 'Robin Okafor' }).waitFor();
  // Open around the clock, whenever the test runs: the client's own greeting is for open hours.
  const owner = await apiAs(OWNER);
  const path = `/api/businesses/${owner.businessId}`;
  const business = (await owner.call('GET', path)).body;
  const allDay = [
    { open: '00:00', close: '12:00' },
    { open: '12:00', close: '00:00' },
  ];
  const weekly = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, allDay]));
  const put = await owner.call('PUT', path, { ...business, business_hours: { weekly, holidays: [] } });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const answer = await personalize(number);
  assert.equal(answer.dynamic_variables.caller_name, 'Robin Okafor');
  assert.equal(answer.dynamic_variables.is_known_client, true);
  assert.equal(answer.dynamic_variables.is_open, true);
  assert.equal(answer.conversation_config_override.agent.first_message, 'Hi Robin, your glaze samples are ready!');

  // A project found by name (never a list of every project) is linked on save, then unlinked.
  const clientPath = `${path}/clients/${new URL(page.url()).pathname.split('/').pop()}/projects`;
  await page.getByLabel('Find a project').fill('signage');
  await page.getByRole('button', { name: 'Find' }).click();
  // It is Northpoint's: the page says so before it is moved.
  await page.getByRole('checkbox', { name: /Northpoint signage .*now another client’s/ }).check();
  await shot(page, 'client-project-found');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved.').waitFor();
  assert.deepEqual((await owner.call('GET', clientPath)).body.projects.map((p) => p.name), ['Northpoint signage']);
  // Saved: it is this client's now, and the page says so.
  await page.getByRole('checkbox', { name: /Northpoint signage \(Manual, Done\)/ }).waitFor();
  await page.reload();
  await page.getByRole('checkbox', { name: /Northpoint signage/ }).uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved.').waitFor();
  assert.deepEqual((await owner.call('GET', clientPath)).body.projects, []);
  // Northpoint's again, as seeded, for the tests after this one.
  const northpoint = `${path}/clients/a0a0a0a0-0000-4000-8000-000000000202/projects`;
  const relinked = await owner.call('PUT', northpoint, {
    project_ids: ['a0a0a0a0-0000-4000-8000-000000000303', 'a0a0a0a0-0000-4000-8000-000000000304'],
  });
  assert.equal(relinked.status, 200, JSON.stringify(relinked.body));
});

test("a number another client has is a conflict, said as one", async () => {
  const { page } = signedIn;
  await page.goto('/clients/new');
  await page.getByLabel('Name', { exact: true }).fill('Someone Else');
  await page.getByLabel('Phone number 1').fill('+14155552671'); // Dana Whitfield's
  await page.getByRole('button', { name: 'Create client' }).click();
  await page.getByRole('alert').filter({ hasText: /^Conflict:/ }).waitFor();
  await shot(page, 'client-conflict');
});

test("a lead's status and notes change from its page", async () => {
  const { page } = signedIn;
  await page.goto('/leads?status=new');
  await page.locator('table.list tbody tr a').first().click();
  await page.getByLabel('Status').waitFor();
  const leadUrl = page.url();
  await page.getByLabel('Status').selectOption('contacted');
  await page.getByLabel('Assigned to').selectOption({ label: 'owner@aurora.example' });
  await page.getByLabel('Notes').fill('Called back, sending a proposal Friday.');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await page.goto(leadUrl);
  await page.getByLabel('Status').waitFor();
  assert.equal(await page.getByLabel('Status').inputValue(), 'contacted');
  assert.equal(await page.getByLabel('Notes').inputValue(), 'Called back, sending a proposal Friday.');
  await shot(page, 'lead-contacted');
});

test('Jira connects through the provider consent and back to the integrations page', async () => {
  const { page } = signedIn;
  await page.goto('/integrations');
  await page.getByRole('button', { name: 'Connect Jira' }).click();
  await page.waitForURL(/\/integrations\?integration=jira&status=connected/);
  await page.getByText('Jira is connected.').waitFor();
  const jira = page.locator('[data-provider="jira"]');
  await jira.getByRole('button', { name: 'Disconnect' }).waitFor();
  await shot(page, 'integrations-connected');
  // Disconnecting says what it did and offers the connection again, without a reload.
  page.once('dialog', (d) => d.accept());
  await jira.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByText('Jira is disconnected; its projects are kept as history.').waitFor();
  assert.equal(await page.getByText('Jira is connected.').count(), 0, 'the consent outcome is no longer shown');
  await jira.getByRole('button', { name: 'Connect Jira' }).waitFor();
  await shot(page, 'integrations-disconnected');
});
