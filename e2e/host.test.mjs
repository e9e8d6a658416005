// The lesson page in host-example/, served from another origin than the
// app, drives the embedded app through postMessage and hears its events;
// a page at a third origin is ignored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withBrowser, serveFolder, shotPath, ROOT } from './harness.mjs';

const ctx = withBrowser();
let host;
let stranger;

before(async () => {
  host = await serveFolder(join(ROOT, 'host-example'));
  // A third origin that frames the app (trusted for the host's origin
  // only) and posts to it.
  const dir = join(ROOT, 'target', 'e2e-stranger');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), `<!doctype html><title>stranger</title><link rel="icon" href="data:,">
<iframe id="f" width="800" height="500"></iframe>
<script>
  const app = new URL(new URLSearchParams(location.search).get('app'));
  app.search = '?embed&origin=' + encodeURIComponent(new URLSearchParams(location.search).get('trusted'));
  const f = document.getElementById('f');
  f.src = app.href;
  window.heard = [];
  window.addEventListener('message', (e) => window.heard.push(e.data));
  window.poke = () => f.contentWindow.postMessage({ slotscope: 1, type: 'console', line: 'SET stranger 1' }, app.origin);
</script>`);
  stranger = await serveFolder(dir);
});
after(() => {
  host?.stop();
  stranger?.stop();
});

const events = (page) => page.locator('#events').innerText();

test('the lesson page runs SET foo bar and hears MOVED, kills a master and hears the failover', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const page = await ctx.browser.newPage({ viewport: { width: 1000, height: 900 }, colorScheme });
    const problems = [];
    page.on('console', (m) => ['error', 'warning'].includes(m.type()) && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${host.url}lesson.html?app=${encodeURIComponent(ctx.server.url)}`);
    const app = page.frameLocator('#slotscope');
    await app.getByRole('textbox', { name: 'Redis command' }).waitFor();
    await page.waitForFunction(() => document.getElementById('events').textContent.includes('ready'));
    await page.locator('#set').click();
    await page.waitForFunction(() => document.getElementById('events').textContent.includes('reply'));
    const said = await events(page);
    assert.match(said, /ready \{"slotscope":1\}/);
    assert.match(said, /redirect \{"slotscope":1,"id":"r1","kind":"MOVED","slot":12182,"to":7002\}/);
    assert.match(said, /reply \{"slotscope":1,"id":"r1","line":"SET foo bar","printed":"\(error\) MOVED 12182 127\.0\.0\.1:7002","outcome":"MOVED"\}/);
    // The embedded console shows it too: the same Msg as typing it.
    await app.locator('.console-log pre.printed', { hasText: 'MOVED 12182' }).waitFor();
    await page.locator('#bad').click();
    // (Not just 'error': the MOVED reply above already prints "(error)".)
    await page.waitForFunction(() => document.getElementById('events').textContent.includes('"id":"r2"'));
    assert.match(await events(page), /error \{"slotscope":1,"id":"r2","message":"unknown type \\"eval\\""\}/);
    await page.locator('#link').click();
    await page.waitForFunction(() => document.getElementById('events').textContent.includes('state'));
    assert.match(await events(page), /state \{"slotscope":1,"id":"r3","link":"v=1&c=0&[^"]*LSET\+foo\+bar/);
    await page.locator('#kill').click();
    await page.waitForFunction(() => document.getElementById('events').textContent.includes('failover'), null, { timeout: 90_000 });
    assert.match(await events(page), /failover \{"slotscope":1,"promoted":7003,"epoch":7,"at":\d+\}/);
    await page.screenshot({ path: shotPath(`host-lesson-${colorScheme}.png`) });
    await page.locator('#slotscope').screenshot({ path: shotPath(`embed-800x500-${colorScheme}.png`) });
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('a page at a third origin is ignored, and hears nothing', async () => {
  const page = await ctx.browser.newPage();
  const problems = [];
  page.on('console', (m) => ['error', 'warning'].includes(m.type()) && problems.push(m.text()));
  await page.goto(`${stranger.url}?app=${encodeURIComponent(ctx.server.url)}&trusted=${encodeURIComponent(host.origin)}`);
  const app = page.frameLocator('#f');
  await app.getByRole('textbox', { name: 'Redis command' }).waitFor();
  await page.evaluate(() => window.poke());
  await page.waitForTimeout(1_000);
  assert.equal(await app.locator('.console-log .entry').count(), 0, 'the message changed nothing');
  assert.deepEqual(await page.evaluate(() => window.heard), [], 'no event was posted to it');
  assert.deepEqual(problems, []);
  await page.close();
});
