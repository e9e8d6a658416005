// What a learner fresh from a lesson sees: the stage and the console in
// one 1280x720 window while commands run, nothing drawn over a node, the
// errors explained, the cluster's state and why, a failover's clocks and
// votes, a slot half way on the cards; axe-core finds nothing; and the
// screenshots a reviewer looks at, at three sizes, light and dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { withBrowser, openPage, shotPath, type, printed, command, openDrawer, playUntil } from './harness.mjs';

const ctx = withBrowser();
const require = createRequire(import.meta.url);


// Boxes of what must be in view, and of what must never cover a node.
async function layout(page) {
  return page.evaluate(() => {
    const box = (el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, what: el.getAttribute('class') ?? el.tagName };
    };
    const all = (sel) => [...document.querySelectorAll(sel)].map(box);
    return {
      input: box(document.querySelector('.console-input input')),
      masters: all('.node.master .shape'),
      nodes: all('.node .shape'),
      labels: all('.msg text, .hop text, .shard-label, .link-fault text, .client-box'),
      viewport: { width: innerWidth, height: innerHeight },
    };
  });
}

const inside = (b, v) => b.left >= 0 && b.top >= 0 && b.right <= v.width && b.bottom <= v.height;
const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

function assertNothingOverNodes(l) {
  for (let i = 0; i < l.nodes.length; i++) {
    for (let j = i + 1; j < l.nodes.length; j++) {
      assert.ok(!overlap(l.nodes[i], l.nodes[j]), `two nodes overlap: ${JSON.stringify([l.nodes[i], l.nodes[j]])}`);
    }
    for (const label of l.labels) {
      assert.ok(!overlap(label, l.nodes[i]), `${label.what} is drawn over a node`);
    }
  }
}

test('at 1280x720 the console input and every master stay in view while commands run', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url, { width: 1280, height: 720 });
  await command(page).waitFor();
  for (const line of ['GET foo', 'SET user:1001 alice', 'MSET a 1 b 2', 'CLUSTER INFO', 'GET user:1001', 'CLUSTER NODES']) {
    // Mid-flight, with the request drawn on its way...
    await command(page).fill(line);
    await command(page).press('Enter');
    await page.waitForSelector('.hop');
    let l = await layout(page);
    assert.ok(inside(l.input, l.viewport), `console input in view during ${line}: ${JSON.stringify(l.input)}`);
    for (const m of l.masters) assert.ok(inside(m, l.viewport), `master in view during ${line}: ${JSON.stringify(m)}`);
    assertNothingOverNodes(l);
    // ...and once the reply is printed.
    await page.waitForFunction(() => !document.querySelector('.console-log .entry:last-child.waiting'));
    l = await layout(page);
    assert.ok(inside(l.input, l.viewport), `console input in view after ${line}`);
    for (const m of l.masters) assert.ok(inside(m, l.viewport), `master in view after ${line}`);
  }
  assert.equal(await page.evaluate(() => scrollY), 0, 'the page did not scroll');
  // With the banner over the stage (the cluster down), still all in view.
  await openDrawer(page, 'Operations & settings');
  await page.getByLabel('node_timeout').selectOption('2000');
  for (const port of ['7002', '7005']) {
    await page.locator(`.node[data-port="${port}"]`).click();
    await page.getByRole('button', { name: 'Kill -9', exact: true }).click();
  }
  await page.keyboard.press('Escape');
  await playUntil(page, 1, () => document.querySelector('.state-banner.down'));
  await page.evaluate(() => scrollTo(0, 0));
  await type(page, 'GET foo');
  const l = await layout(page);
  assert.ok(inside(l.input, l.viewport), `console input in view under the banner: ${JSON.stringify(l.input)}`);
  for (const m of l.masters) assert.ok(inside(m, l.viewport), `master in view under the banner: ${JSON.stringify(m)}`);
  assert.deepEqual(problems, []);
});

test('GET foo on 7000: MOVED, explained, and foo one click from the inspector', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url, { width: 1280, height: 800 });
  await command(page).waitFor();
  const entry = await type(page, 'GET foo');
  assert.equal(await printed(entry), '(error) MOVED 12182 127.0.0.1:7002');
  const why = await entry.locator('.why').innerText();
  assert.match(why, /does not serve slot 12182/);
  assert.match(why, /127\.0\.0\.1:7002/);
  await entry.getByRole('button', { name: 'where does foo live?' }).click();
  assert.equal(await page.locator('#key-input').inputValue(), 'foo');
  assert.equal(await page.getByTestId('slot').innerText(), '12182');
  // The inspector is one click from the top of the page, from any drawer;
  // the URL's fragment stays the page's link (not a place on the page).
  await openDrawer(page, 'Event log');
  await page.evaluate(() => scrollTo(0, 0));
  await page.getByRole('button', { name: 'Where does a key live? ↓' }).click();
  assert.ok(await page.locator('#key-input').isVisible());
  assert.match(new URL(page.url()).hash, /^#v=1&/);
  // A CROSSSLOT is explained too.
  assert.match(await (await type(page, 'MSET a 1 b 2')).locator('.why').innerText(), /hash tag/);
  assert.deepEqual(problems, []);
});

test('the command docs arrive after the first render: help, hints and COMMAND DOCS', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url, { width: 1280, height: 800 });
  await command(page).waitFor();
  // The docs file is fetched once the page has rendered: until it is in,
  // help says it is loading (asked again until it is there).
  let help = '';
  for (let i = 0; i < 20 && !/summary: Get the value of a key/.test(help); i++) {
    help = await printed(await type(page, 'help GET'));
    if (!/summary/.test(help)) await page.waitForTimeout(200);
  }
  assert.match(help, /GET key\s+summary: Get the value of a key\s+since: 1\.0\.0\s+group: string/);
  await command(page).fill('SET ');
  assert.match(await page.locator('.console-input .hint').innerText(), /^key value/);
  await command(page).fill('');
  assert.match(await printed(await type(page, 'COMMAND DOCS GET')), /summary/);
  assert.deepEqual(problems, []);
});

test('a master and its replica dead: the banner says the cluster is down and why', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url, { width: 1280, height: 800 });
  await command(page).waitFor();
  await openDrawer(page, 'Operations & settings');
  await page.getByLabel('node_timeout').selectOption('2000');
  for (const port of ['7002', '7005']) {
    await page.locator(`.node[data-port="${port}"]`).click();
    await page.getByRole('button', { name: 'Kill -9', exact: true }).click();
  }
  await playUntil(page, 1, () => document.querySelector('.state-banner.down'));
  const banner = await page.locator('.state-banner').innerText();
  assert.match(banner, /cluster_state:fail as :7000 sees it/);
  assert.match(banner, /slots 10923–16383 have no reachable master: their owner 127\.0\.0\.1:7002 is flagged FAIL/);
  const entry = await type(page, 'GET user:1001');
  assert.match(await printed(entry), /CLUSTERDOWN/);
  assert.match(await entry.locator('.why').innerText(), /cluster is down/);
  await page.screenshot({ path: shotPath('learner-cluster-down-1280x800.png') });
  assert.deepEqual(problems, []);
});

test('a failover in progress shows the clock towards node_timeout, the reports and the votes', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url, { width: 1280, height: 800 });
  await command(page).waitFor();
  await openDrawer(page, 'Operations & settings');
  await page.getByLabel('node_timeout').selectOption('2000');
  await page.getByLabel('Observer node').selectOption({ label: '127.0.0.1:7001' });
  await page.locator('.node[data-port="7000"]').click();
  await page.getByRole('button', { name: 'Kill -9', exact: true }).click();
  const cardSays = (port, re) =>
    new Function(`return [...document.querySelectorAll('.node[data-port="${port}"] text')].some((t) => ${re}.test(t.textContent.trim()))`);
  await playUntil(page, 0, cardSays('7000', '/^no PONG \\d+\\.\\d\\/2 s$/'));
  await page.screenshot({ path: shotPath('learner-failover-silence-1280x800.png') });
  // The selected node's details say it in a sentence.
  assert.match(await page.locator('.node-popover').innerText(), /No PONG to :7001's PING for \d+\.\d s of the 2\.0 s node_timeout/);
  await playUntil(page, -0.5, cardSays('7000', '/^reports \\d\\/2$/'));
  await page.screenshot({ path: shotPath('learner-failover-reports-1280x800.png') });
  await playUntil(page, -0.5, cardSays('7003', '/^(election in|votes)/'));
  await page.screenshot({ path: shotPath('learner-failover-election-1280x800.png') });
  await playUntil(page, 1, () => document.querySelector('.node[data-port="7003"].master'));
  assert.deepEqual(problems, []);
});

test('a slot half way shows MIGRATING and IMPORTING on both cards', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url, { width: 1280, height: 800 });
  await command(page).waitFor();
  await openDrawer(page, 'Operations & settings');
  await page.getByLabel('Slot to move').fill('15891');
  await page.getByLabel('Target master').selectOption({ label: ':7000' });
  await page.getByRole('button', { name: 'Move slot to target' }).click();
  await page.getByRole('button', { name: 'Pause operation' }).click();
  // IMPORTING on the target first, then MIGRATING on the source.
  await page.getByRole('button', { name: 'Send next command' }).click();
  await page.getByRole('button', { name: 'Send next command' }).click();
  const text = async (port) => ((await page.locator(`.node[data-port="${port}"] .extra`).textContent()) ?? '').trim();
  assert.equal(await text('7000'), 'IMPORTING 15891 ← :7002');
  assert.equal(await text('7002'), 'MIGRATING 15891 → :7000');
  await page.locator('.node[data-port="7002"]').click();
  assert.match(await page.locator('.node-popover').innerText(), /MIGRATING\s+slot 15891 to :7000/);
  await page.screenshot({ path: shotPath('learner-slot-half-way-1280x800.png') });
  assert.deepEqual(problems, []);
});

test('the abandoned reshard says how far it got', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url, { width: 1280, height: 800 });
  await command(page).waitFor();
  await openDrawer(page, 'Operations & settings');
  await page.getByLabel('Number of slots').fill('10');
  await page.getByRole('button', { name: 'Reshard' }).click();
  await playUntil(page, 0, () => /[3-9] of 10 slots moved/.test(document.querySelector('[data-testid=operation]')?.innerText ?? ''));
  await page.getByRole('button', { name: 'Abandon' }).click();
  const status = await page.getByTestId('operation').innerText();
  assert.match(status, /abandoned/);
  assert.match(status, /[3-9] of 10 slots moved/);
  assert.deepEqual(problems, []);
});

test('axe-core finds no violations, light and dark, with a node and the log open', async () => {
  for (const colorScheme of ['light', 'dark']) {
    // (The page's CSP rightly refuses the injected axe script: this test
    // alone lets it through.)
    const { page, problems } = await openPage(ctx.browser, ctx.server.url, { width: 1280, height: 800 }, { colorScheme, bypassCSP: true });
    await command(page).waitFor();
    await type(page, 'GET foo');
    await page.locator('.node[data-port="7001"]').click();
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    for (const drawer of ['Where does a key live?', 'Event log', 'Operations & settings']) {
      await openDrawer(page, drawer);
      const result = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
      });
      assert.deepEqual(result, [], `${colorScheme}, ${drawer}`);
    }
    assert.deepEqual(problems, []);
    await page.close();
  }
  // The embed too, at 800x500: no scroll bars, nothing for axe.
  for (const colorScheme of ['light', 'dark']) {
    const { page, problems } = await openPage(ctx.browser, `${ctx.server.url}?embed&panels=cluster,console,inspector`, { width: 800, height: 500 }, { colorScheme, bypassCSP: true });
    await command(page).waitFor();
    await type(page, 'GET foo');
    const size = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
    assert.deepEqual(size, [800, 500], 'no scroll bars in the 800x500 embed');
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const result = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
    });
    assert.deepEqual(result, [], `embed, ${colorScheme}`);
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('screenshots at 1440x900, 1280x800 and 800x500, light and dark: opening, MOVED, slot half way, failover, cluster down', async () => {
  for (const [width, height] of [[1440, 900], [1280, 800], [800, 500]]) {
    for (const colorScheme of ['light', 'dark']) {
      const size = `${width}x${height}-${colorScheme}`;
      const { page, problems } = await openPage(ctx.browser, ctx.server.url, { width, height }, { colorScheme });
      await command(page).waitFor();
      await page.screenshot({ path: shotPath(`learner-open-${size}.png`) });
      await type(page, 'GET foo');
      await page.screenshot({ path: shotPath(`learner-moved-${size}.png`) });
      const l = await layout(page);
      assert.ok(inside(l.input, l.viewport), `console input in view at ${size}`);
      for (const m of l.masters) assert.ok(inside(m, l.viewport), `masters in view at ${size}`);
      assertNothingOverNodes(l);

      // A slot half way: IMPORTING on 7000, MIGRATING on 7002.
      await openDrawer(page, 'Operations & settings');
      await page.getByLabel('node_timeout').selectOption('2000');
      await page.getByLabel('Slot to move').fill('15891');
      await page.getByLabel('Target master').selectOption({ label: ':7000' });
      await page.getByRole('button', { name: 'Move slot to target' }).click();
      await page.getByRole('button', { name: 'Pause operation' }).click();
      await page.getByRole('button', { name: 'Send next command' }).click();
      await page.getByRole('button', { name: 'Send next command' }).click();
      await page.evaluate(() => scrollTo(0, 0));
      await page.screenshot({ path: shotPath(`learner-half-way-${size}.png`) });
      await page.getByRole('button', { name: 'Abandon' }).click();

      // A failover in progress, then the cluster down.
      await page.locator('.node[data-port="7002"]').click();
      await page.getByRole('button', { name: 'Kill -9', exact: true }).click();
      await playUntil(page, 0, () =>
        [...document.querySelectorAll('.node text')].some((t) => /^(no PONG|reports)/.test(t.textContent.trim())));
      await page.screenshot({ path: shotPath(`learner-failover-${size}.png`) });
      await page.locator('.node[data-port="7005"]').click();
      await page.getByRole('button', { name: 'Kill -9', exact: true }).click();
      await playUntil(page, 1, () => document.querySelector('.state-banner.down'));
      await page.evaluate(() => scrollTo(0, 0));
      await page.screenshot({ path: shotPath(`learner-down-${size}.png`) });
      assertNothingOverNodes(await layout(page));
      assert.deepEqual(problems, []);
      await page.close();
    }
  }
});
