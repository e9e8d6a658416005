// The studio, tried as a new user would: a MOVED with a raw client, one hop
// with the smart client, a master killed and replaced (watched from two
// observers), ASK during a migration, stepping back then acting again, and
// prefers-reduced-motion.
// Fails on any console error or warning. Screenshots go to target/e2e/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, openPage, shotPath, command, type, printed, clock, openDrawer } from './harness.mjs';

const ctx = withBrowser();

const log = (page) => page.getByRole('log');

// Records every class a hop marker takes on screen (the legs of a command
// last a few hundred ms each: a poll could miss one on a busy machine), and
// the places each class was drawn at.
async function watchHops(page) {
  await page.evaluate(() => {
    window.hopsSeen = new Set();
    window.hopPlaces = {};
    const svg = document.querySelector('.cluster-view');
    const note = () => document.querySelectorAll('.hop').forEach((h) => {
      const cls = h.getAttribute('class');
      window.hopsSeen.add(cls);
      (window.hopPlaces[cls] ??= new Set()).add(h.getAttribute('transform'));
    });
    new MutationObserver(note).observe(svg, { subtree: true, childList: true, attributes: true });
  });
}

async function sawHop(page, cls) {
  await page.waitForFunction((c) => [...window.hopsSeen].some((seen) => seen === c), cls);
}

// How many different places a hop of that class was drawn at.
async function hopPlaces(page, cls) {
  return page.evaluate((c) => window.hopPlaces[c]?.size ?? 0, cls);
}


test('raw redis-cli gets MOVED; the smart client goes straight to the owner', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url);
  await command(page).waitFor();
  assert.equal(await page.locator('.console-input .prompt').innerText(), '127.0.0.1:7000>');

  await watchHops(page);
  const moved = await type(page, 'SET foo bar');
  assert.equal(await printed(moved), '(error) MOVED 12182 127.0.0.1:7002');
  assert.equal(await moved.getAttribute('data-hops'), '1');
  // The request, then the MOVED reply, travel on screen.
  await sawHop(page, 'hop request');
  await sawHop(page, 'hop reply moved');
  assert.ok(await hopPlaces(page, 'hop request') > 2, 'the request glides');
  await page.screenshot({ path: shotPath('studio-moved.png') });
  assert.ok(await page.locator('.marker.m-moved').count() >= 1, 'MOVED is marked on the timeline');

  await page.getByLabel('Client mode').selectOption('smart client');
  assert.equal(await page.locator('.console-input .prompt').innerText(), 'smart>');
  const first = await type(page, 'SET foo bar');
  assert.equal(await printed(first), 'OK');
  assert.equal(await first.getAttribute('data-hops'), '2', 'CLUSTER SLOTS, then the SET');
  await watchHops(page);
  const get = await type(page, 'GET foo');
  assert.equal(await printed(get), '"bar"');
  assert.equal(await get.getAttribute('data-hops'), '1', 'one hop once the map is loaded');
  await sawHop(page, 'hop request');
  await page.screenshot({ path: shotPath('studio-smart.png') });

  // History: ↑ brings back the last line.
  await command(page).press('ArrowUp');
  assert.equal(await command(page).inputValue(), 'GET foo');
  // Typing a space in the console must not start playback.
  await command(page).fill('');
  await command(page).press('Space');
  assert.equal(await page.getByRole('button', { name: 'Play' }).count(), 1);
  assert.deepEqual(problems, []);
});

test('with prefers-reduced-motion, messages jump instead of gliding; buttons by keyboard', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url, undefined, { reducedMotion: 'reduce' });
  await command(page).waitFor();
  await watchHops(page);
  const moved = await type(page, 'SET foo bar');
  assert.equal(await printed(moved), '(error) MOVED 12182 127.0.0.1:7002');
  await sawHop(page, 'hop request');
  await sawHop(page, 'hop reply moved');
  // Each leg is drawn in one place (half way) for as long as it flies.
  assert.equal(await hopPlaces(page, 'hop request'), 1);
  assert.equal(await hopPlaces(page, 'hop reply moved'), 1);

  // From the keyboard: Enter on a node, Space on a focused button presses
  // it (and the focus stays there, unlike after a click).
  await page.locator('.node[data-port="7001"]').focus();
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Pause 20 s' }).focus();
  await page.keyboard.press('Space');
  await page.waitForSelector('.node[data-port="7001"].paused');
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'BUTTON');
  assert.equal(await page.getByRole('button', { name: 'Play' }).count(), 1, 'Space pressed the button, it did not play');

  // The shortcuts are listed under "Keys", over the page: nothing moves.
  const consoleTop = () => page.evaluate(() => Math.round(document.querySelector('.console').getBoundingClientRect().top));
  const top = await consoleTop();
  await page.locator('.keys-help summary').click();
  assert.match(await page.locator('.keys-help dl').innerText(), /Space\s+play \/ pause/);
  assert.equal(await consoleTop(), top);
  await page.keyboard.press('Space');
  await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();
  await page.keyboard.press('Space');
  assert.deepEqual(problems, []);
});

test('kill a master: PFAIL, FAIL, election and promotion, seen by each observer', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url);
  await command(page).waitFor();
  await openDrawer(page, 'Operations & settings');
  await page.getByLabel('node_timeout').selectOption('2000');
  // Choosing a node, then acting on it, moves nothing else on the page.
  const places = () => page.evaluate(() => ['.console', '.operations', '.event-log']
    .map((sel) => Math.round(document.querySelector(sel).getBoundingClientRect().top)).join(' '));
  const before = await places();
  await page.locator('.node[data-port="7000"]').click();
  assert.equal(await places(), before, 'selecting a node moves no panel');
  await page.getByRole('button', { name: 'Kill -9' }).click();
  assert.equal(await places(), before, 'killing it moves no panel');
  assert.equal(await page.locator('.node[data-port="7000"].dead').count(), 1);
  // The clicked button (which now reads "Restart") let go of the focus:
  // Space after a click plays, it does not press the button again.
  await page.keyboard.press('Space');
  await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();
  await page.keyboard.press('Space');
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  assert.equal(await page.locator('.node[data-port="7000"].dead').count(), 1, 'still dead');
  // A dead node is crossed out and says so (not colour alone).
  assert.match(await page.locator('.node[data-port="7000"]').getAttribute('aria-label'), /dead/);

  // Killing the observer hands the view to a live node.
  assert.equal(await page.getByLabel('Observer node').inputValue(), '1');
  await page.getByLabel('Speed').fill('0.5'); // ~3×
  await page.getByRole('button', { name: 'Play' }).click();
  await page.waitForSelector('.node[data-port="7000"].failed', { timeout: 30000 });
  await page.screenshot({ path: shotPath('studio-fail.png') });
  await page.waitForSelector('.node[data-port="7003"].master', { timeout: 60000 });
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.screenshot({ path: shotPath('studio-promoted.png') });
  for (const kind of ['pfail', 'fail', 'promotion']) {
    assert.ok(await page.locator(`.marker.m-${kind}`).count() >= 1, `${kind} is marked`);
  }
  // PFAIL is brief and each node has its own moment: jump to the first
  // one and look through the eyes of the node that flagged it.
  const pfail = page.locator('.marker.m-pfail').first();
  const [, observer] = (await pfail.getAttribute('aria-label')).match(/: 127\.0\.0\.1:(\d+) flags 127\.0\.0\.1:7000 PFAIL/);
  await pfail.focus();
  await page.keyboard.press('Enter');
  await page.getByLabel('Observer node').selectOption({ label: `127.0.0.1:${observer}` });
  await page.waitForSelector('.node[data-port="7000"].pfail');
  assert.match(await page.locator('.node[data-port="7000"]').getAttribute('aria-label'), /flagged fail\?/);
  await page.screenshot({ path: shotPath('studio-pfail.png') });
  // Back to the end of the run, where the promotion was.
  await page.getByLabel('Timeline').focus();
  await page.keyboard.press('End');
  await page.getByLabel('Observer node').selectOption({ label: '127.0.0.1:7001' });
  await page.waitForSelector('.node[data-port="7003"].master');
  // The dead node's own (frozen) view: it still thinks it is the master.
  await page.getByLabel('Observer node').selectOption({ label: '127.0.0.1:7000' });
  await page.waitForSelector('.node[data-port="7000"].observer');
  assert.equal(await page.locator('.node[data-port="7000"].master').count(), 1);
  assert.equal(await page.locator('.node[data-port="7003"].replica').count(), 1);
  await page.screenshot({ path: shotPath('studio-observer-7000.png') });
  assert.deepEqual(problems, []);
});

test('step back through a failover, act in the past, and return to the old branch', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url);
  await command(page).waitFor();
  await openDrawer(page, 'Operations & settings');
  await page.getByLabel('node_timeout').selectOption('2000');
  await page.locator('.node[data-port="7001"]').click();
  await page.getByRole('button', { name: 'Kill -9' }).click();
  // Play at 100× until the replica has taken over.
  await page.getByLabel('Speed').fill('2');
  // Space in the slider is the slider's: leave it first.
  await page.getByLabel('Speed').press('Space');
  assert.equal(await page.getByRole('button', { name: 'Play' }).count(), 1, 'no shortcut while in a control');
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('Space');
  await page.waitForSelector('.node[data-port="7004"].master', { timeout: 60000 });
  await page.keyboard.press('Space');
  const end = await clock(page);

  // Press the first FAIL marker, as a keyboard user would: back to that moment.
  await page.locator('.marker.m-fail').first().focus();
  await page.keyboard.press('Enter');
  const atFail = await clock(page);
  assert.ok(atFail < end, `${atFail} < ${end}`);
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  const back = await clock(page);
  assert.ok(back < atFail, `stepped back: ${back} < ${atFail}`);
  assert.equal(await page.locator('.node[data-port="7004"].master').count(), 0, 'not promoted yet');
  await page.screenshot({ path: shotPath('studio-stepped-back.png') });
  await page.keyboard.press('ArrowRight');
  assert.ok((await clock(page)) > back, 'stepped forward');

  // Acting now starts a new branch; the old one stays reachable. (7001 is
  // still the selected node.)
  assert.equal(await page.locator('.node[data-port="7001"]').getAttribute('aria-pressed'), 'true');
  await page.getByRole('button', { name: 'Restart' }).click();
  assert.equal(await page.locator('.node[data-port="7001"].dead').count(), 0);
  const other = page.getByRole('button', { name: /Other branch/ });
  await other.click();
  assert.equal(await page.locator('.node[data-port="7001"].dead').count(), 1, 'back on the branch where 7001 stayed dead');
  assert.deepEqual(problems, []);
});

test('ASK while a slot migrates', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url);
  await command(page).waitFor();
  const myid = async (port) => {
    await page.getByLabel('Node the client talks to').selectOption({ label: `127.0.0.1:${port}` });
    return (await printed(await type(page, 'CLUSTER MYID'))).replaceAll('"', '');
  };
  const id7000 = await myid(7000);
  const id7002 = await myid(7002);
  assert.match(id7000, /^[0-9a-f]{40}$/);
  // Slot 12182 (foo) moves from 7002 to 7000, as in migration.txt.
  await page.getByLabel('Node the client talks to').selectOption({ label: '127.0.0.1:7000' });
  assert.equal(await printed(await type(page, `CLUSTER SETSLOT 12182 IMPORTING ${id7002}`)), 'OK');
  await page.getByLabel('Node the client talks to').selectOption({ label: '127.0.0.1:7002' });
  assert.equal(await printed(await type(page, `CLUSTER SETSLOT 12182 MIGRATING ${id7000}`)), 'OK');
  // foo is not on 7002: ASK to the importing node.
  await watchHops(page);
  const ask = await type(page, 'GET foo');
  assert.equal(await printed(ask), '(error) ASK 12182 127.0.0.1:7000');
  await sawHop(page, 'hop reply ask');
  await page.screenshot({ path: shotPath('studio-ask.png') });
  assert.ok(await page.locator('.marker.m-ask').count() >= 1);
  // redis-cli -c follows it with ASKING.
  await page.getByLabel('Client mode').selectOption('redis-cli -c');
  await page.getByLabel('Node the client talks to').selectOption({ label: '127.0.0.1:7002' });
  const followed = await type(page, 'GET foo');
  assert.equal(await printed(followed), '-> Redirected to slot [12182] located at 127.0.0.1:7000\n(nil)');
  assert.equal(await followed.getAttribute('data-hops'), '3', 'GET, ASKING, GET');
  assert.deepEqual(problems, []);
});

test('SUBSCRIBE reads messages as they arrive; a second client publishes; Ctrl-C stops', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url);
  await command(page).waitFor();
  const sub = await type(page, 'SUBSCRIBE news');
  assert.equal(await printed(sub), 'Reading messages... (press Ctrl-C to quit)\n1) "subscribe"\n2) "news"\n3) (integer) 1');
  await page.getByRole('status').filter({ hasText: 'reading messages' }).waitFor();
  // Typed while reading: a second client on the same node.
  await command(page).fill('PUBLISH news hello');
  await command(page).press('Enter');
  await page.locator('.console-log .entry.read').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('.console-log .entry.second-client.waiting'));
  const second = page.locator('.console-log .entry.second-client').last();
  assert.equal(await printed(second), '(integer) 1');
  assert.match(await second.innerText(), /2nd client/);
  assert.equal(await printed(page.locator('.console-log .entry.read').last()), '1) "message"\n2) "news"\n3) "hello"');
  await page.screenshot({ path: shotPath('studio-subscribe.png') });
  // Ctrl-C in the input: reading stops, the notice goes.
  await command(page).press('Control+c');
  await page.waitForFunction(() => [...document.querySelectorAll('.console-log .entry.read pre')].some((p) => p.textContent.startsWith('^C')));
  assert.equal(await page.getByRole('button', { name: 'Ctrl-C' }).count(), 0);
  const after = await type(page, 'PUBLISH news again');
  assert.equal(await printed(after), '(integer) 0', 'the subscriber left with its connection');
  assert.deepEqual(problems, []);
});
