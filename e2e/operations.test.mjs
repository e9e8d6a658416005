// The studio's operations and inspection, tried as a new user would: a slot
// moved half way (ASK and TRYAGAIN), stepped back through and finished; a
// message's content from the event log and from the air; link faults, a node
// added, resharded to and removed. Then frame times while a failover
// animates (6 and 100 nodes), written to target/e2e/frame-time.txt.
// Fails on any console error or warning. Screenshots go to target/e2e/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { withBrowser, openPage, shotPath, command, type, printed, clock, openDrawer } from './harness.mjs';

const ctx = withBrowser();

const operation = (page) => page.getByTestId('operation');
const openSlots = (page) => page.getByTestId('open-slot');

// Plays at `speed` (log10 of ×) until `done()` holds in the page, then pauses.
async function playUntil(page, speedLog, done, arg) {
  await page.getByLabel('Speed').evaluate((el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, speedLog);
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForFunction(done, arg, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
}

test('a slot moved half way gives ASK and TRYAGAIN; step back through it, then finish it', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url);
  await command(page).waitFor();
  // Let the cluster run a little first (so that there is a "before").
  await playUntil(page, 0, () => parseFloat(document.querySelector('output.clock').innerText) > 0.5);
  // {t}a hashes to slot 15891, served by 7002.
  await page.getByLabel('Node the client talks to').selectOption({ label: '127.0.0.1:7002' });
  assert.equal(await printed(await type(page, 'SET {t}a 1')), 'OK');
  // The write goes down 7002's replication stream to its replica, 7005.
  const repl = page.locator('.cluster-view .msg.k-repl');
  await repl.first().waitFor();
  assert.match(await repl.first().locator('title').textContent(), /^REPLICATION 7002 → 7005/);
  // A message in the air is a Tab stop too: Enter opens it, Esc closes it.
  await repl.first().focus();
  await page.keyboard.press('Enter');
  assert.match(await page.getByTestId('message-panel').locator('h2').innerText(), /7002 → 127\.0\.0\.1:7005/);
  await page.keyboard.press('Escape');
  assert.equal(await page.getByTestId('message-panel').count(), 0);
  await page.locator('#key-input').fill('{t}a');
  assert.equal(await page.getByTestId('slot').innerText(), '15891');
  assert.equal(await page.getByTestId('owner').innerText(), '127.0.0.1:7002');

  // Move that slot to 7000, one command at a time.
  await openDrawer(page, 'Operations & settings');
  await page.getByLabel('Slot to move').fill('15891');
  await page.getByLabel('Target master').selectOption({ label: ':7000' });
  await page.getByRole('button', { name: 'Move slot to target' }).click();
  await page.getByRole('button', { name: 'Pause operation' }).click();
  await page.getByRole('button', { name: 'Send next command' }).click();
  await page.getByRole('button', { name: 'Send next command' }).click();
  const op = await operation(page).innerText();
  assert.match(op, /:7000 CLUSTER SETSLOT 15891 IMPORTING \w+/);
  assert.match(op, /:7002 CLUSTER SETSLOT 15891 MIGRATING \w+/);
  assert.match(op, /next: :7002 CLUSTER GETKEYSINSLOT 15891 10/);
  assert.deepEqual(await openSlots(page).allInnerTexts(), [
    'slot 15891: 127.0.0.1:7002 MIGRATING to 127.0.0.1:7000',
    'slot 15891: 127.0.0.1:7000 IMPORTING from 127.0.0.1:7002',
  ]);

  // Half way: a key not there yet is asked for at the target; a multi-key
  // command over a present and a missing key must be retried.
  assert.equal(await printed(await type(page, 'GET {t}b')), '(error) ASK 15891 127.0.0.1:7000');
  assert.equal(
    await printed(await type(page, 'MGET {t}a {t}b')),
    '(error) TRYAGAIN Multiple keys request during rehashing of slot',
  );
  for (const kind of ['migration', 'ask', 'tryagain']) {
    assert.ok((await page.locator(`.marker.m-${kind}`).count()) > 0, `a ${kind} marker`);
  }
  await page.screenshot({ path: shotPath('studio-migration-half-way.png'), fullPage: true });

  // Step back: before the operation, nothing is open.
  const present = await clock(page);
  await page.getByRole('button', { name: 'Step back' }).click();
  assert.ok((await clock(page)) < present);
  assert.equal(await openSlots(page).count(), 0);
  // And forward again to the half-way state.
  await page.getByRole('button', { name: 'Step forward' }).click();
  assert.equal(await clock(page), present);
  assert.equal(await openSlots(page).count(), 2);

  // Finish it: the slot and its key move, and the key inspector follows.
  await page.getByRole('button', { name: 'Resume' }).click();
  await playUntil(page, 2, () => document.querySelector('[data-testid=operation]')?.innerText.includes('finished'));
  assert.match(await operation(page).innerText(), /finished · 1 of 1 slots moved/);
  assert.equal(await openSlots(page).count(), 0);
  assert.equal(await page.getByTestId('owner').innerText(), '127.0.0.1:7000');
  assert.equal(await printed(await type(page, 'GET {t}a')), '(error) MOVED 15891 127.0.0.1:7000');
  await page.screenshot({ path: shotPath('studio-migration-done.png'), fullPage: true });
  assert.deepEqual(problems, []);
});

test('a message shows what it carries, from the event log or in the air', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url);
  await command(page).waitFor();
  const eventLog = page.locator('.event-log');
  await openDrawer(page, 'Event log');
  await eventLog.getByLabel('gossip').check();
  await playUntil(page, 0, () => document.querySelectorAll('.event-log .row').length >= 10);

  // The log shows gossip now; clicking a PING goes to its moment and opens it.
  const ping = eventLog.locator('.row[aria-label*=" PING "]').last();
  const label = await ping.getAttribute('aria-label');
  const sentAt = Number(label.split(' ')[0]);
  await ping.click();
  const panel = page.getByTestId('message-panel');
  assert.match(await panel.locator('h2').innerText(), /^PING 127\.0\.0\.1:700\d → 127\.0\.0\.1:700\d$/);
  const content = await panel.innerText();
  assert.match(content, /currentEpoch\s+6/);
  assert.match(content, /slots claimed\s+\d+/);
  assert.match(content, /Gossip: [1-3] entr/);
  assert.equal(await clock(page), sentAt);
  await page.screenshot({ path: shotPath('studio-message.png'), fullPage: true });
  await panel.getByRole('button', { name: 'Close' }).click();
  assert.equal(await panel.count(), 0);

  // At that moment the PING is in the air: clicking it opens it too.
  await page.locator('.cluster-view .msg').first().click();
  assert.match(await panel.locator('h2').innerText(), /^(PING|PONG|MEET) /);
  // Esc closes it, as the Close button does.
  await page.keyboard.press('Escape');
  assert.equal(await panel.count(), 0);

  // Filters: without gossip, no PING or PONG is listed.
  await eventLog.getByLabel('gossip').uncheck();
  assert.equal(await eventLog.locator('.row[aria-label*=" PING "], .row[aria-label*=" PONG "]').count(), 0);
  assert.deepEqual(problems, []);
});

test('cut and slow a link, add a node, reshard to it, remove a node', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url);
  await command(page).waitFor();
  await page.locator('.node[data-port="7000"]').click();
  const panel = page.locator('.node-panel');
  await panel.getByLabel('Other end of the link').selectOption({ label: ':7001' });
  await panel.getByRole('button', { name: 'Cut' }).click();
  await page.locator('.link-fault.cut').waitFor();
  await panel.getByLabel('Other end of the link').selectOption({ label: ':7002' });
  await panel.getByRole('button', { name: 'Slow +500 ms' }).click();
  assert.equal(await page.locator('.link-fault.slow text').textContent(), '+500 ms');
  await page.screenshot({ path: shotPath('studio-link-faults.png') });
  await panel.getByLabel('Other end of the link').selectOption({ label: ':7001' });
  await panel.getByRole('button', { name: 'Normal' }).click();
  assert.equal(await page.locator('.link-fault.cut').count(), 0);

  // Settings are core actions: the checkbox shows what the core holds.
  await openDrawer(page, 'Operations & settings');
  const coverage = page.getByLabel('cluster-require-full-coverage');
  assert.ok(await coverage.isChecked());
  await coverage.uncheck();
  assert.ok(!(await coverage.isChecked()));
  // Each node has its own settings: CONFIG SET on one node from the
  // console changes that node alone, and the page says which one differs.
  const reads = page.getByLabel('cluster-allow-reads-when-down');
  assert.ok(!(await reads.isChecked()));
  assert.equal(await printed(await type(page, 'CONFIG SET cluster-allow-reads-when-down yes')), 'OK');
  assert.match(
    await page.locator('.settings .disagree').innerText(),
    /cluster-allow-reads-when-down is no on most nodes, but :7000 has yes/,
  );
  assert.ok(!(await reads.isChecked()), 'most nodes still say no');
  // The page's setting goes to every node: they agree again. (A click,
  // then the redrawn state: the box shows what the core holds.)
  const settles = async (wanted) => {
    for (let i = 0; i < 50 && (await reads.isChecked()) !== wanted; i++) await page.waitForTimeout(20);
    assert.equal(await reads.isChecked(), wanted);
  };
  await reads.click();
  await settles(true);
  assert.equal(await page.locator('.settings .disagree').count(), 0);
  await reads.click();
  await settles(false);

  // Add a master (7006), then reshard 10 slots from 7001 to it.
  await page.getByRole('button', { name: 'Add master' }).click();
  await page.locator('.node[data-port="7006"]').waitFor();
  assert.match(await operation(page).innerText(), /add-node 127\.0\.0\.1:7006 127\.0\.0\.1:7000/);
  await playUntil(page, 1, () => document.querySelector('[data-testid=operation]')?.innerText.includes('finished'));
  // It must be known as a master before it can be a target.
  await playUntil(page, 1, () =>
    [...document.querySelectorAll('select[aria-label="Target master"] option')].some((o) => o.textContent === ':7006'),
  );
  await page.getByLabel('Number of slots').fill('10');
  await page.getByLabel('Source master').selectOption({ label: ':7001' });
  await page.getByLabel('Target master').selectOption({ label: ':7006' });
  await page.getByRole('button', { name: 'Reshard' }).click();
  await playUntil(page, 2, () => document.querySelector('[data-testid=operation]')?.innerText.includes('finished'));
  assert.match(await operation(page).innerText(), /10 of 10 slots moved/);
  await openDrawer(page, 'Where does a key live?');
  assert.match(await page.locator('.slot-bar .legend').innerText(), /127\.0\.0\.1:7006\s+5461-5470 · 10 slots/);

  // Add a replica (7007) and remove it again (del-node: it holds no slots).
  await openDrawer(page, 'Operations & settings');
  await page.getByRole('button', { name: 'Add replica' }).click();
  await playUntil(page, 1, () => document.querySelector('[data-testid=operation]')?.innerText.includes('finished'));
  await page.locator('.node[data-port="7007"]').click();
  await page.getByRole('button', { name: 'Remove (del-node)' }).click();
  assert.match(await operation(page).innerText(), /del-node 127\.0\.0\.1:7000 \w+/);
  await playUntil(page, 1, () => document.querySelector('[data-testid=operation]')?.innerText.includes('finished'));
  assert.match(await operation(page).innerText(), /CLUSTER RESET SOFT ⇒ \+OK/);
  // Forgotten by the cluster, the node still runs, alone: drawn faint, "unknown".
  assert.match(await page.locator('.node[data-port="7007"]').getAttribute('class'), /\bstranger\b/);
  // A master with slots cannot be removed: redis-cli's refusal is shown.
  await page.locator('.node[data-port="7001"]').click();
  assert.equal(await page.getByRole('button', { name: 'Remove (del-node)' }).count(), 0);
  await page.screenshot({ path: shotPath('studio-operations.png'), fullPage: true });
  assert.deepEqual(problems, []);
});

// Times every animation frame's script: the requestAnimationFrame callback
// and the microtasks it leaves (Yew renders in a microtask right after it).
async function instrumentFrames(page) {
  await page.addInitScript(() => {
    window.frameTimes = [];
    const raf = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = (cb) =>
      raf((ts) => {
        const t0 = performance.now();
        cb(ts);
        queueMicrotask(() => queueMicrotask(() => window.frameTimes.push(performance.now() - t0)));
      });
  });
}

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function failoverFrames(shapeLabel) {
  const page = await ctx.browser.newPage({ viewport: { width: 1024, height: 900 } });
  const problems = [];
  page.on('console', (m) => ['error', 'warning'].includes(m.type()) && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await instrumentFrames(page);
  await page.goto(ctx.server.url);
  await command(page).waitFor();
  await openDrawer(page, 'Operations & settings');
  if (shapeLabel) await page.getByLabel('Cluster size').selectOption({ label: shapeLabel });
  await page.getByLabel('node_timeout').selectOption('2000');
  await page.locator('.node[data-port="7000"]').click();
  await page.getByRole('button', { name: 'Kill -9' }).click();
  await page.evaluate(() => (window.frameTimes = []));
  // 1× real time: the failover's messages glide (and slow time down).
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForTimeout(8_000);
  const times = await page.evaluate(() => window.frameTimes);
  const simulated = await clock(page);
  // Still interactive: Pause answers at once.
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  const pauseMs = Date.now() - t0;
  await page.close();
  return { times, simulated, pauseMs, problems };
}

test('frame time while a failover animates (report)', async () => {
  const lines = ['Frame script time (requestAnimationFrame callback + its microtasks), headless Chromium, 8 s of play at 1×, master 7000 killed, node_timeout 2000 ms'];
  for (const [name, shape] of [['6 nodes', null], ['100 nodes', '50 masters + 50 replicas']]) {
    const r = await failoverFrames(shape);
    assert.deepEqual(r.problems, [], name);
    assert.ok(r.times.length > 100, `${name}: frames were drawn (${r.times.length})`);
    const fmt = (x) => x.toFixed(2);
    lines.push(
      `${name}: ${r.times.length} frames, median ${fmt(percentile(r.times, 50))} ms, p95 ${fmt(percentile(r.times, 95))} ms, ` +
        `max ${fmt(Math.max(...r.times))} ms; simulated ${r.simulated} ms; Pause answered in ${r.pauseMs} ms`,
    );
  }
  const report = lines.join('\n') + '\n';
  writeFileSync(shotPath('frame-time.txt'), report);
  console.log(report);
});

test('the studio fits an 800x500 dark embed', async () => {
  const page = await ctx.browser.newPage({ viewport: { width: 800, height: 500 }, colorScheme: 'dark' });
  const problems = [];
  page.on('console', (m) => ['error', 'warning'].includes(m.type()) && problems.push(m.text()));
  await page.goto(ctx.server.url);
  await command(page).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'no horizontal scroll');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(21, 24, 30)', 'dark theme followed');
  await page.screenshot({ path: shotPath('studio-800x500-dark.png') });
  assert.deepEqual(problems, []);
  await page.close();
});
