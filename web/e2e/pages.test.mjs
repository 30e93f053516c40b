// Every page on the demo tenant's seeded data, as the owner sees it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, OWNER, shot, signedInPage } from './browser.mjs';

const signedIn = signedInPage(OWNER);

test('the overview shows the figures, the agent and integration state', async () => {
  const { page } = signedIn;
  await page.goto('/');
  await page.getByRole('heading', { name: 'Today' }).waitFor();
  await page.getByRole('heading', { name: 'Last 7 days' }).waitFor();
  const newLeads = page.locator('section.card', { has: page.getByRole('heading', { name: 'Last 7 days' }) }).locator('dt:text("New leads") + dd');
  assert.ok(Number(await newLeads.textContent()) >= 1, 'the demo call made a lead this week');
  await page.getByText(/urgent leads? (is|are) waiting/).waitFor();
  await shot(page, 'overview');
});

test('calls: the list, a filter that empties it, and a call with its transcript', async () => {
  const { page } = signedIn;
  await page.goto('/calls');
  const rows = page.locator('table.list tbody tr');
  await rows.first().waitFor();
  assert.ok((await rows.count()) >= 1);
  await shot(page, 'calls');
  await page.getByLabel('Status').selectOption('failed');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByText('No calls match these filters.').waitFor();
  assert.match(page.url(), /status=failed/);
  await page.getByRole('link', { name: 'Clear' }).click();
  await rows.first().waitFor();
  // Caller search by part of the number, however it is written: "(415) 555-1386" finds +14155551386.
  const caller = (await rows.first().locator('td[data-label="Caller"]').textContent()).trim();
  const [, area, exchange, line] = /^\+1 (\d{3}) (\d{3}) (\d{4})$/.exec(caller);
  await page.getByLabel('Caller').fill(`(${area}) ${exchange}-${line}`);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/caller=/);
  await rows.first().waitFor();
  for (const text of await rows.locator('td[data-label="Caller"]').allTextContents()) assert.equal(text.trim(), caller);
  await page.getByLabel('Caller').fill('Nobody Of That Name');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByText('No calls match these filters.').waitFor();
  await page.getByLabel('Caller').fill(caller);
  await page.getByRole('button', { name: 'Filter' }).click();
  await rows.first().waitFor();
  await rows.first().getByRole('link').click();
  await page.getByRole('heading', { name: 'Transcript' }).waitFor();
  await page.locator('.turn-agent').first().waitFor();
  await page.locator('.turn-caller').first().waitFor();
  // Tool calls are folded; opening one shows what was sent and answered.
  const tool = page.locator('.turn-tool details').first();
  await tool.locator('summary').click();
  await tool.getByRole('heading', { name: 'Answer' }).waitFor();
  await page.getByRole('heading', { name: 'Summary' }).waitFor();
  await page.getByRole('link', { name: 'Open the lead' }).waitFor();
  await shot(page, 'call');
});

test('leads: most urgent first, and a lead with its answers and calls', async () => {
  const { page } = signedIn;
  await page.goto('/leads');
  const rows = page.locator('table.list tbody tr');
  await rows.first().waitFor();
  const order = { urgent: 3, high: 2, normal: 1, low: 0 };
  const priorities = (await rows.locator('td[data-label="Priority"]').allTextContents()).map((p) => order[p.trim().toLowerCase()]);
  assert.deepEqual(priorities, [...priorities].sort((a, b) => b - a), 'sorted by priority');
  await shot(page, 'leads');
  await rows.first().getByRole('link').click();
  await page.getByRole('heading', { name: 'Answers' }).waitFor();
  await page.locator('.badge-valid').first().waitFor();
  await page.getByRole('heading', { name: /Why it is/ }).waitFor();
  await page.locator('section.card', { has: page.getByRole('heading', { name: 'Calls' }) }).getByRole('link').first().waitFor();
  await shot(page, 'lead');
  // A lead page shows its latest 20 calls; all of them are the calls list filtered by the lead.
  const leadCalls = await page.locator('section.card', { has: page.getByRole('heading', { name: 'Calls' }) }).locator('li').count();
  await page.getByRole('link', { name: 'In the calls list' }).click();
  await page.waitForURL(/\/calls\?lead=/);
  await page.getByText('The calls of one lead.').waitFor();
  await page.locator('table.list tbody tr').first().waitFor();
  assert.equal(await page.locator('table.list tbody tr').count(), leadCalls);
});

test('clients: the seeded clients, searched', async () => {
  const { page } = signedIn;
  await page.goto('/clients');
  await page.getByRole('link', { name: 'Dana Whitfield' }).waitFor();
  await page.getByRole('link', { name: 'Marcus Lee' }).waitFor();
  await page.getByLabel('Search', { exact: true }).fill('Northpoint');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/search=Northpoint/);
  await page.getByRole('link', { name: 'Dana Whitfield' }).waitFor({ state: 'detached' });
  await page.getByRole('link', { name: 'Marcus Lee' }).click();
  await page.getByLabel('Company').waitFor();
  assert.equal(await page.getByLabel('Company').inputValue(), 'Northpoint Fitness');
  assert.ok(await page.getByRole('checkbox', { name: /Northpoint rebrand/ }).isChecked());
  await shot(page, 'client');
});

test('a list goes a page at a time: Next, then Previous back to the first page', async () => {
  const { page } = signedIn;
  const owner = await apiAs(OWNER);
  // Letters only: a search of digits would match phone numbers too.
  const stamp = Date.now().toString(36).replace(/[0-9]/g, (d) => 'abcdefghij'[d]);
  // 26 clients of one name: a page of 25, and one more on the next.
  const made = [];
  try {
    for (let i = 0; i < 26; i++) {
      const client = await owner.call('POST', `/api/businesses/${owner.businessId}/clients`, { name: `Pager ${stamp} ${String(i).padStart(2, '0')}`, phone_numbers: [] });
      assert.equal(client.status, 201, JSON.stringify(client.body));
      made.push(client.body.id);
    }
    await page.goto(`/clients?search=Pager%20${stamp}`);
    const rows = page.locator('table.list tbody tr');
    await page.getByRole('link', { name: `Pager ${stamp} 25` }).waitFor();
    assert.equal(await rows.count(), 25, 'one page of rows, never more');
    assert.ok(await page.getByRole('button', { name: '← Previous' }).isDisabled());
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.getByRole('link', { name: `Pager ${stamp} 00` }).waitFor();
    assert.equal(await rows.count(), 1);
    assert.ok(await page.getByRole('button', { name: 'Next →' }).isDisabled());
    await shot(page, 'clients-second-page');
    await page.getByRole('button', { name: '← Previous' }).click();
    await page.getByRole('link', { name: `Pager ${stamp} 25` }).waitFor();
    assert.equal(await rows.count(), 25);
  } finally {
    // Gone again, whatever happened: the tests after this one expect the seeded clients on the first page.
    for (const id of made) assert.equal((await owner.call('DELETE', `/api/businesses/${owner.businessId}/clients/${id}`)).status, 204);
  }
});

test('agent: greetings, voices from ElevenLabs and the model; questions; hours; urgency', async () => {
  const { page } = signedIn;
  await page.goto('/agent');
  await page.getByLabel('Greeting for new callers').waitFor();
  assert.notEqual(await page.getByLabel('Greeting for new callers').inputValue(), '');
  // The voice picker lists ElevenLabs' voices by name.
  const voices = await page.getByLabel('Voice for new callers').locator('option').allTextContents();
  assert.ok(voices.some((v) => v.startsWith('Rachel')), voices.join(','));
  const models = await page.getByLabel('Language model').locator('option').allTextContents();
  assert.ok(models.includes('gpt-4o') && models.includes('claude-sonnet-4-5') && models.includes('gemini-2.0-flash'));
  await shot(page, 'agent');
  await page.getByRole('link', { name: 'Questions' }).click();
  await page.locator('[data-question="full_name"]').waitFor();
  await shot(page, 'agent-questions');
  await page.getByRole('link', { name: 'Hours and routing' }).click();
  await page.getByText('Monday', { exact: true }).waitFor();
  await page.getByRole('heading', { name: 'Holidays' }).waitFor();
  await shot(page, 'agent-hours');
  await page.getByRole('link', { name: 'Urgency' }).click();
  await page.getByRole('heading', { name: 'Urgency keywords' }).waitFor();
  assert.ok((await page.locator('tbody tr').count()) >= 1);
});

test('integrations: every provider with its state, and the projects', async () => {
  const { page } = signedIn;
  await page.goto('/integrations');
  await page.getByRole('heading', { name: 'Jira' }).waitFor();
  await page.getByRole('heading', { name: 'Asana' }).waitFor();
  await page.getByRole('cell', { name: 'Fernhill spring packaging line' }).waitFor();
  await shot(page, 'integrations');
  // Projects come a page at a time, searched by name.
  await page.getByLabel('Project', { exact: true }).fill('rebrand');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/project=rebrand/);
  // The unsearched page may stay on screen for a moment: wait for it to go.
  await page.getByRole('cell', { name: 'Fernhill spring packaging line' }).waitFor({ state: 'detached' });
  await page.getByRole('cell', { name: 'Northpoint rebrand' }).waitFor();
  assert.equal(await page.locator('tbody tr').count(), 1);
});
