// First render: the time from navigation start to the key inspector drawn
// (its slot shown), on loopback and with the network throttled to 10 Mbps /
// 40 ms RTT through the DevTools protocol. A report, not a timed test: the
// figures go to target/e2e/first-render.txt beside the frame times, with
// the budgets next to them (200 ms on loopback, 1 s throttled); the test
// fails only if the page never renders.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { withBrowser, shotPath } from './harness.mjs';

const ctx = withBrowser();

// Records, inside the page, when the key inspector first shows a slot
// (milliseconds since navigation start: performance.now()'s origin).
const WATCH = () => {
  // The full page: the key inspector's slot; the embed (cluster and
  // console): the cluster's nodes.
  const seen = () =>
    document.querySelector('section.inspector [data-testid="key-view"]') ??
    (location.search.includes('embed') ? document.querySelector('.cluster-view .node') : null);
  const mark = () => {
    if (window.__firstRender === undefined && seen()) window.__firstRender = performance.now();
  };
  new MutationObserver(mark).observe(document, { childList: true, subtree: true });
};

// One cold load in a fresh context (no cache); `throttle` goes through CDP.
async function firstRender(throttle, embed = false) {
  const viewport = embed ? { width: 800, height: 500 } : { width: 1280, height: 720 };
  const context = await ctx.browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.addInitScript(WATCH);
  if (throttle) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 40, // ms added to each request's round trip
      downloadThroughput: (10 * 1000 * 1000) / 8, // 10 Mbps, in bytes/s
      uploadThroughput: (10 * 1000 * 1000) / 8,
    });
  }
  await page.goto(embed ? `${ctx.server.url}?embed` : ctx.server.url);
  await page.waitForFunction(() => window.__firstRender !== undefined, null, { timeout: 30000 });
  const ms = await page.evaluate(() => window.__firstRender);
  const transferred = await page.evaluate(() =>
    performance.getEntriesByType('resource').reduce((sum, r) => sum + (r.transferSize || 0), 0) +
    (performance.getEntriesByType('navigation')[0]?.transferSize || 0),
  );
  await context.close();
  assert.deepEqual(problems, []);
  return { ms, transferred };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('first render is measured on loopback and at 10 Mbps / 40 ms RTT', async () => {
  const runs = { loopback: [], throttled: [], embedLoopback: [], embedThrottled: [] };
  let transferred = 0;
  for (let i = 0; i < 5; i++) runs.loopback.push((await firstRender(false)).ms);
  for (let i = 0; i < 3; i++) {
    const r = await firstRender(true);
    runs.throttled.push(r.ms);
    transferred = r.transferred;
  }
  for (let i = 0; i < 5; i++) runs.embedLoopback.push((await firstRender(false, true)).ms);
  for (let i = 0; i < 3; i++) runs.embedThrottled.push((await firstRender(true, true)).ms);
  const fmt = (xs) => `median ${median(xs).toFixed(0)} ms (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
  const report = [
    `first render: navigation start to the key inspector drawn (Chromium headless, ${cpus().length} cores: ${cpus()[0]?.model ?? '?'})`,
    `  loopback:                ${fmt(runs.loopback)}; budget 200 ms`,
    `  10 Mbps / 40 ms RTT:     ${fmt(runs.throttled)}; budget 1000 ms`,
    `embed (?embed, 800x500): navigation start to the cluster drawn`,
    `  loopback:                ${fmt(runs.embedLoopback)}; budget 200 ms`,
    `  10 Mbps / 40 ms RTT:     ${fmt(runs.embedThrottled)}; budget 1000 ms`,
    `  bytes transferred (compressed as served; python's http.server does not gzip): ${transferred}`,
  ].join('\n') + '\n';
  writeFileSync(shotPath('first-render.txt'), report);
  console.log(report);
  for (const xs of Object.values(runs)) assert.ok(xs.every((x) => x > 0 && Number.isFinite(x)));
});
