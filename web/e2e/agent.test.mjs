// The agent page drives what callers hear: UI -> API -> database -> the initiation webhook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, OWNER, shot, signedInPage } from './browser.mjs';
import { personalize } from './webhook.mjs';

const signedIn = signedInPage(OWNER);

test('a greeting edited on the agent page is what the next caller hears', async () => {
  const { page } = signedIn;
  const words = `Good day, you have reached Aurora (${Date.now()}). How may I help?`;
  await page.goto('/agent');
  // Open or closed when the test runs: the new-caller greeting for both, so either is heard.
  for (const field of ['Greeting for new callers', 'After hours, new callers']) {
    await page.getByLabel(field).fill(words);
  }
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await shot(page, 'agent-greeting-saved');
  const answer = await personalize('+14155550177');
  assert.equal(answer.conversation_config_override.agent.first_message, words);
});

test('an unknown variable is flagged while typing and refused next to its field', async () => {
  const { page } = signedIn;
  await page.goto('/agent');
  const field = page.getByLabel('Greeting for known clients');
  await field.fill('Hi {{caller_nam}}!');
  await page.getByText('Unknown variable: {{caller_nam}}').waitFor();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const error = page.locator('[data-field-error="client_welcome_message"]');
  await error.waitFor();
  assert.match(await error.textContent(), /is not a known variable/);
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  await shot(page, 'agent-invalid-field');
  // A variable inserted from the bar at the caret is accepted.
  await field.fill('Hi , welcome back!');
  await field.evaluate((el) => el.setSelectionRange(3, 3));
  await page.getByRole('button', { name: '{{caller_first_name}}' }).click();
  assert.equal(await field.inputValue(), 'Hi {{caller_first_name}}, welcome back!');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
});

test('a question added and moved first changes the preview', async () => {
  const { page } = signedIn;
  await page.goto('/agent?section=questions');
  await page.locator('[data-question="full_name"]').waitFor();
  const before = await page.locator('li.question').count();
  await page.getByRole('button', { name: 'Add a question' }).click();
  const added = page.locator('li.question').last();
  // Focus moves to the new question (for keyboard users); typing waits for it.
  await page.waitForFunction((n) => document.activeElement?.id === `q-${n}-question`, before);
  await page.keyboard.type('Which city is your business in?');
  await added.getByLabel('Answer key').fill('city');
  // Keyboard first: moved up once; then dragged to the top by its handle (both in view: a drag
  // that has to scroll the page is the browser's autoscroll, not the app's).
  await page.setViewportSize({ width: 1440, height: 1900 });
  await added.getByRole('button', { name: /Move question \d+ up/ }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('li.question').nth(before - 1).getAttribute('data-question'), 'city');
  await page.locator('li.question').nth(before - 1).locator('.handle').dragTo(page.locator('li.question').first());
  assert.equal(await page.locator('li.question').first().getAttribute('data-question'), 'city');
  await shot(page, 'agent-question-moved');
  await page.getByRole('button', { name: 'Save questions' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await page.getByRole('link', { name: 'Greetings, voice and model' }).click();
  await page.getByRole('button', { name: 'Preview' }).click();
  const newCaller = page.locator('[data-situation="new_caller"]');
  await newCaller.waitFor();
  await newCaller.locator('summary').click();
  assert.match(await newCaller.locator('pre.prompt').textContent(), /1\. Which city is your business in\?/);
  await page.locator('[data-situation="known_client"]').waitFor();
  await page.locator('[data-situation="after_hours"]').waitFor();
  await shot(page, 'agent-preview');
});

test('a voice and a model chosen in the form reach ElevenLabs with the sync', async () => {
  const { page } = signedIn;
  await page.goto('/agent');
  await page.getByLabel('Voice for new callers').selectOption({ label: 'George' });
  await page.getByLabel('Language model').selectOption('claude-sonnet-4-5');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await page.getByRole('button', { name: 'Sync to ElevenLabs' }).click();
  await page.locator('.sync-report').waitFor();
  await shot(page, 'agent-synced');
  const fake = process.env.FAKE_VENDORS_URL ?? BASE_URL.replace(/:\d+$/, ':54322');
  const agents = await (await fetch(`${fake}/_fake/elevenlabs/agents`)).json();
  const agent = agents.find((a) => a.config.tags.includes('business:a0a0a0a0-0000-4000-8000-000000000001'));
  assert.equal(agent.config.conversation_config.agent.prompt.llm, 'claude-sonnet-4-5');
  assert.equal(agent.config.conversation_config.tts.voice_id, 'JBFqnCBsd6RMkjVDRZzb');
});
