// Owners check leads on their phones: the 375 px layout (the lists, a lead, the knowledge base), navigation by menu, and keyboard use.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeBrowser, open, OWNER, shot, signIn } from './browser.mjs';

after(closeBrowser);

// Nothing scrolls sideways: the page is no wider than the screen.
async function assertFits(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${what}: the page is ${overflow}px wider than the screen`);
}

test('at 375 px the menu folds, lists become cards, nothing scrolls sideways', async () => {
  const { page, problems } = await open({ width: 375, height: 812 });
  await signIn(page, OWNER);
  await shot(page, 'phone-overview');
  const nav = page.getByRole('navigation', { name: 'Main' });
  assert.equal(await nav.isVisible(), false);
  await page.getByRole('button', { name: 'Menu' }).click();
  await nav.getByRole('link', { name: 'Leads' }).click();
  await page.locator('table.list tbody tr').first().waitFor();
  assert.equal(await nav.isVisible(), false, 'the menu closes after navigating');
  await assertFits(page, 'the leads');
  await shot(page, 'phone-leads');
  await page.locator('table.list tbody tr a').first().click();
  await page.getByLabel('Status').waitFor();
  await assertFits(page, 'a lead');
  await shot(page, 'phone-lead');
  assert.deepEqual(problems, []);
});

test('at 375 px the knowledge base pages fit the screen', async () => {
  const { page, problems } = await open({ width: 375, height: 812 });
  await signIn(page, OWNER);
  await page.goto('/knowledge');
  const faq = page.getByRole('link', { name: 'Studio FAQ' });
  await faq.waitFor();
  await assertFits(page, 'the knowledge list');
  await shot(page, 'phone-knowledge');
  await faq.click();
  await page.getByText(/Version \d+/).first().waitFor();
  // A written document's text is in its editor.
  assert.match(await page.getByLabel('Text').inputValue(), /Pine Street/);
  await assertFits(page, 'a document');
  await shot(page, 'phone-knowledge-document');
  await page.goto('/knowledge/new');
  await page.getByLabel('Title').waitFor();
  await assertFits(page, 'the new document form');
  await shot(page, 'phone-knowledge-new');
  assert.deepEqual(problems, []);
});

test('the keyboard alone signs in and reaches a page, with focus visible', async () => {
  const { page } = await open();
  await page.goto('/sign-in');
  await page.keyboard.press('Tab');
  await page.keyboard.type(OWNER.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(OWNER.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  // Skip link first, then the navigation.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Calls');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.equal(outline, 'solid', 'focus is visible');
  await shot(page, 'keyboard-focus');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Calls' }).waitFor();
});
