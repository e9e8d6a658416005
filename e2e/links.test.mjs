// Links that reproduce a moment: copied mid-failover, opened in a fresh
// browser at the same clock, cards, console and markers; a bad or hostile
// link opens the default page with a message and no console error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withBrowser, openPage, command, type, openDrawer, playUntil, ROOT } from './harness.mjs';

const ctx = withBrowser();


// What a person compares between two pages: the clock, every node card as
// drawn (its accessible name holds its words and flags), the console, the
// timeline's markers, the observer and what is selected.
async function moment(page) {
  return page.evaluate(() => ({
    clock: document.querySelector('output.clock').textContent,
    cards: [...document.querySelectorAll('.node')].map((n) => `${n.getAttribute('class')} | ${n.getAttribute('aria-label')}`),
    console: document.querySelector('.console-log').innerText,
    markers: [...document.querySelectorAll('.marker')].map((m) => m.getAttribute('aria-label')),
    observer: document.querySelector('select[aria-label="Observer node"]').value,
    key: document.querySelector('#key-input').value,
  }));
}

test('a link copied mid-failover opens in a fresh browser at the same moment', async () => {
  const context = await ctx.browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => ['error', 'warning'].includes(m.type()) && problems.push(m.text()));
  await page.goto(ctx.server.url);
  await command(page).waitFor();
  await type(page, 'SET {user:1}:a hello');
  await type(page, 'GET foo');
  await openDrawer(page, 'Operations & settings');
  await page.getByLabel('node_timeout').selectOption('2000');
  await page.getByLabel('Observer node').selectOption({ label: '127.0.0.1:7001' });
  await page.locator('.node[data-port="7000"]').click();
  await page.getByRole('button', { name: 'Kill -9', exact: true }).click();
  // Mid-failover: 7000 flagged FAIL, its replica not promoted yet.
  await playUntil(page, 0, () => document.querySelector('.node[data-port="7000"].failed'));
  await page.locator('#tab-key').click();
  await page.locator('#key-input').fill('{user:1}:a');
  await page.getByRole('button', { name: 'Copy link' }).click();
  assert.equal(await page.getByRole('button', { name: 'Link copied ✓' }).count(), 1);
  const href = page.url();
  assert.match(href, /#v=1&/);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), href);
  const before = await moment(page);

  // A reload comes back to the same moment...
  await page.reload();
  await command(page).waitFor();
  assert.deepEqual(await moment(page), before);
  // ...and so does a fresh browser.
  const fresh = await ctx.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const other = await fresh.newPage();
  other.on('console', (m) => ['error', 'warning'].includes(m.type()) && problems.push(m.text()));
  await other.goto(href);
  await command(other).waitFor();
  assert.deepEqual(await moment(other), before);
  // The run goes on from there exactly as it would have: the replica wins.
  await playUntil(other, 1, () => document.querySelector('.node[data-port="7003"].master'));
  assert.deepEqual(problems, []);
  await fresh.close();
  await context.close();
});

test('the committed version-1 link still opens at its moment', async () => {
  const link = readFileSync(join(ROOT, 'tests', 'data', 'link-v1.txt'), 'utf8').trim();
  const { page, problems } = await openPage(ctx.browser, `${ctx.server.url}#${link}`);
  await command(page).waitFor();
  assert.equal(await page.locator('output.clock').textContent(), '6.500 s');
  assert.match(await page.locator('.console-log').innerText(), /MOVED 10778 127\.0\.0\.1:7001/);
  assert.match(await page.locator('.node[data-port="7003"]').getAttribute('class'), /\bmaster\b/);
  assert.equal(await page.locator('.link-error').count(), 0);
  assert.deepEqual(problems, []);
});

test('bad and hostile links open the default page with a message, never as HTML', async () => {
  const cases = [
    ['v=2&c=0', /version 2; this Slotscope opens version 1 links/],
    ['v=1&c=0&a=0K99', /names node 99/],
    ['v=1&p=99999999999', /at most 3600 s/],
    ['v=1&k=<img src=x onerror=alert(1)>', /cannot contain/],
    ['<script>alert(1)</script>', /not a name=value pair/],
    ['v=1&a=0L%E0%80', /not UTF-8/],
  ];
  for (const [fragment, why] of cases) {
    const { page, problems } = await openPage(ctx.browser, `${ctx.server.url}#${fragment}`);
    await command(page).waitFor();
    const alert = page.locator('.link-error');
    assert.match(await alert.innerText(), why, fragment);
    assert.match(await alert.innerText(), /The default page is shown/);
    assert.equal(await page.locator('.link-error img, .link-error script').count(), 0);
    assert.equal(await page.locator('output.clock').textContent(), '0.000 s');
    // The page still works.
    await type(page, 'PING');
    assert.deepEqual(problems, [], fragment);
    await page.close();
  }
});

test('a fragment typed in the address bar opens that link', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url);
  await command(page).waitFor();
  const link = readFileSync(join(ROOT, 'tests', 'data', 'link-v1.txt'), 'utf8').trim();
  await page.evaluate((l) => { location.hash = l; }, link);
  await page.waitForFunction(() => document.querySelector('output.clock').textContent === '6.500 s');
  assert.deepEqual(problems, []);
});
