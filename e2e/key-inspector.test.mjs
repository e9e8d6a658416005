// The key inspector in the built page (dist/), in headless Chromium, served
// below a sub-path. Fails on any console error or warning, failed request or
// 4xx/5xx response (a missing favicon counts). Screenshots go to target/e2e/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, withBrowser, openPage, shotPath } from './harness.mjs';

const ctx = withBrowser();

const text = (page, id) => page.locator(`[data-testid="${id}"]`).first().innerText();

async function inspect(page, key) {
  await page.fill('#key-input', key);
  return {
    slot: await text(page, 'slot'),
    owner: await text(page, 'owner'),
    hashed: key === '' ? '' : await text(page, 'hashed'),
    why: await text(page, 'why'),
  };
}

test('built page uses only relative asset URLs', () => {
  const html = readFileSync(join(ROOT, 'dist', 'index.html'), 'utf8');
  const absolute = [...html.matchAll(/(?:src|href)="(\/[^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(absolute, [], 'absolute URLs break the page below a sub-path');
});

test('key inspector: slots, owners and hash tags as Redis computes them', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url);
  // The page opens on the lesson's key.
  await page.waitForSelector('[data-testid="slot"]');
  assert.equal(await text(page, 'slot'), '5712');
  assert.equal(await page.title(), 'Slotscope — Redis Cluster, simulated');

  // Values from the real Redis 7.0.15 cluster (keyslot-vectors.tsv).
  const cases = [
    ['mykey', '14687', '127.0.0.1:7002', 'mykey'],
    ['user:1001', '5712', '127.0.0.1:7001', 'user:1001'],
    ['{user:1001}:profile', '5712', '127.0.0.1:7001', 'user:1001'],
    ['{user:1001}:orders', '5712', '127.0.0.1:7001', 'user:1001'],
    ['foo', '12182', '127.0.0.1:7002', 'foo'],
    ['bar', '5061', '127.0.0.1:7000', 'bar'],
    ['foo{}{bar}', '8363', '127.0.0.1:7001', 'foo{}{bar}'],
    ['foo{{bar}}zap', '4015', '127.0.0.1:7000', '{bar'],
    ['', '0', '127.0.0.1:7000', ''],
  ];
  for (const [key, slot, owner, hashed] of cases) {
    const got = await inspect(page, key);
    assert.equal(got.slot, slot, `slot of ${JSON.stringify(key)}`);
    assert.equal(got.owner, owner, `owner of ${JSON.stringify(key)}`);
    assert.equal(got.hashed, hashed, `hashed part of ${JSON.stringify(key)}`);
  }

  // Unicode, spaces and emoji are hashed as UTF-8 bytes.
  await page.fill('#key-input', 'héllo wörld 🚀');
  assert.equal(await text(page, 'key-size'), '18 bytes');
  assert.match(await text(page, 'hashed-hex'), /^68 c3 a9 6c 6c 6f 20 77 c3 b6 72 6c 64 20 f0 9f 9a 80 \(18 bytes\)$/);

  // The explanation a learner reads for a hash-tagged key.
  const tagged = await inspect(page, '{user:1001}:orders');
  assert.match(tagged.why, /Redis hashes only user:1001/);
  assert.match(tagged.why, /The key user:1001 and every key whose first tag is \{user:1001\}/);
  assert.equal(await text(page, 'crc'), '0x5650');
  assert.equal(await text(page, 'mask'), '0x5650 & 0x3FFF (16383) = 5712');
  assert.equal(await text(page, 'slot-pin'), '5712');
  await page.screenshot({ path: shotPath('key-inspector.png'), fullPage: true });

  assert.deepEqual(problems, []);
  await page.close();
});

test('the inspector follows the user as they type, key by key', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url);
  await page.fill('#key-input', '');
  await page.focus('#key-input');
  // While the tag is still open there is no hash tag: the whole key is hashed.
  await page.keyboard.type('{user:1001');
  assert.equal(await text(page, 'hashed'), '{user:1001');
  assert.match(await text(page, 'why'), /no \} after it/);
  // The closing brace turns it into a tag: the slot becomes user:1001's.
  await page.keyboard.type('}:orders');
  assert.equal(await text(page, 'hashed'), 'user:1001');
  assert.equal(await text(page, 'slot'), '5712');

  // Enter pins the key for comparison; an example button sets a new key.
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'user:1001', exact: true }).click();
  assert.equal(await page.inputValue('#key-input'), 'user:1001');
  await page.getByRole('button', { name: 'Compare' }).click();
  const rows = page.locator('[data-testid="compare"] tbody tr');
  assert.equal(await rows.count(), 2);
  assert.deepEqual(await rows.locator('td.num').allInnerTexts(), ['5712', '5712']);
  assert.deepEqual(problems, []);
  await page.close();
});

test('fits an 800x500 embed and a dark theme without horizontal scrolling', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url, { width: 800, height: 500 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.fill('#key-input', '{user:1001}:orders');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'page scrolls sideways at 800 px');
  await page.screenshot({ path: shotPath('key-inspector-800x500-dark.png') });
  assert.deepEqual(problems, []);
  await page.close();
});
