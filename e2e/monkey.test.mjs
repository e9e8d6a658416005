// Random gestures (a "monkey"): clicks on any visible button, node or
// drop-down choice, commands good and bad, shortcuts, scrubbing and speed,
// in a seeded order. Whatever a user does, the page must not panic (a panic
// in WebAssembly kills it) nor log an error. The last actions are printed
// when it fails, to replay by hand.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, openPage, command } from './harness.mjs';

const ctx = withBrowser();

const COMMANDS = [
  'SET foo bar', 'GET foo', 'MGET {t}a {t}b', 'MULTI', 'EXEC', 'DISCARD', 'WATCH foo',
  'CLUSTER NODES', 'CLUSTER SLOTS', 'CLUSTER SHARDS', 'CLUSTER INFO', 'CLUSTER KEYSLOT x',
  'CLUSTER SETSLOT 1 MIGRATING', 'CLUSTER FAILOVER', 'CLUSTER RESET', 'CLUSTER FORGET abc',
  'CLUSTER MEET 127.0.0.1 7001', 'INCRBYFLOAT x 1.5', 'DEL a b', 'READONLY', 'ASKING',
  'EVAL "return 1" 0', 'FLUSHALL', 'ZADD z 1 a', 'ZRANGE z 0 -1 WITHSCORES',
  '', '"', "'", 'SET', '{}', 'GET "\\xff"', 'x'.repeat(300),
];

// A small linear congruential generator: the same seed, the same gestures.
function rng(seed) {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  return { next, pick: (a) => a[Math.floor(next() * a.length)] };
}

async function monkey(seed, actions) {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url);
  await command(page).waitFor();
  const { next, pick } = rng(seed);
  const done = [];
  for (let i = 0; i < actions; i++) {
    const r = next();
    try {
      if (r < 0.35) {
        const button = pick(await page.locator('main button:visible').all());
        done.push(`click ${await button.textContent()}`);
        await button.click({ timeout: 1000 });
      } else if (r < 0.5) {
        const select = pick(await page.locator('main select:visible').all());
        const index = Math.floor(next() * (await select.locator('option').count()));
        done.push(`choose #${index} in ${await select.getAttribute('aria-label')}`);
        await select.selectOption({ index }, { timeout: 1000 });
      } else if (r < 0.6) {
        const node = pick(await page.locator('.node').all());
        done.push(`node ${await node.getAttribute('data-port')}`);
        await node.click({ timeout: 1000 });
      } else if (r < 0.75) {
        const line = pick(COMMANDS);
        done.push(`command ${line}`);
        await command(page).fill(line);
        await command(page).press('Enter');
      } else if (r < 0.85) {
        const key = pick(['Space', 'ArrowLeft', 'ArrowRight', 'Escape']);
        done.push(`key ${key}`);
        await page.evaluate(() => document.activeElement.blur());
        await page.keyboard.press(key);
      } else if (r < 0.9) {
        const ms = Math.floor(next() * 100000);
        done.push(`seek ${ms}`);
        await page.getByLabel('Timeline').fill(String(ms));
      } else {
        const speed = (next() * 4 - 2).toFixed(2);
        done.push(`speed ${speed}`);
        await page.getByLabel('Speed').fill(speed);
      }
    } catch (e) {
      // A target that moved or went away between finding and clicking it.
      done.push(`  (not done: ${e.message.split('\n')[0]})`);
    }
    await page.waitForTimeout(Math.floor(next() * 80));
    const fatal = !(await page.locator('#fatal').isHidden());
    assert.ok(problems.length === 0 && !fatal,
      `after: ${done.slice(-10).join(' | ')}\n${problems.join('\n')}\n${fatal ? await page.locator('#fatal').textContent() : ''}`);
  }
  await page.close();
}

test('random gestures never break the page (seed 1)', () => monkey(1, 150));
test('random gestures never break the page (seed 2)', () => monkey(2, 150));
