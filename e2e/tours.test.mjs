// The nine tours of tours/, played end to end in the page as a learner
// would: each step's challenge solved by gestures (console lines typed,
// nodes clicked, the clock played), never by the "Replay the solution"
// button; Back once per tour, restoring where the step before started;
// one screenshot per tour. Then a tour inside the example lesson page's
// frame (800×500), whose goal events the host hears; a teacher's file from
// outside the repo; and a malformed one, refused by line and field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { withBrowser, openPage, serveFolder, shotPath, command, type, openDrawer, ROOT } from './harness.mjs';

const ctx = withBrowser();
const require = createRequire(import.meta.url);

async function axe(page) {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
  });
}

// Just what the test needs of a tour file: its id and each step's title
// and solution lines (the gestures are derived from those, and done
// through the page's controls).
function readTour(text) {
  const tour = { id: '', steps: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^([a-z]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, field, value] = m;
    if (field === 'tour') tour.id = value;
    if (field === 'step') tour.steps.push({ title: value, solution: [], challenge: false });
    if (field === 'goal') tour.steps.at(-1).challenge = true;
    if (field === 'solution') tour.steps.at(-1).solution.push(value);
  }
  return tour;
}

const TOURS = readdirSync(join(ROOT, 'tours'))
  .filter((f) => f.endsWith('.tour'))
  .sort()
  .map((f) => readTour(readFileSync(join(ROOT, 'tours', f), 'utf8')));

const MODES = { raw: 'redis-cli', follow: 'redis-cli -c', smart: 'smart client' };

const status = (page) => page.locator('.tour .challenge .status').innerText();
const counter = (page) => page.locator('.tour .counter').innerText();
const entries = (page) => page.locator('.console-log .entry').count();
const clockMs = (page) =>
  page.evaluate(() => Math.round(parseFloat(document.querySelector('[aria-label="Simulated time"]').textContent) * 1000));

// Plays the clock until `ms` more simulated time has passed, at a speed
// that takes about a second, then pauses (as a learner who presses Play).
async function playFor(page, ms) {
  const target = (await clockMs(page)) + ms;
  const speed = Math.max(-2, Math.min(2, Math.log10(ms / 1000)));
  await page.getByLabel('Speed').fill(speed.toFixed(2));
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  // (A challenge met while the clock plays pauses it, at that moment.)
  await page.waitForFunction(
    (t) =>
      parseFloat(document.querySelector('[aria-label="Simulated time"]').textContent) * 1000 >= t ||
      document.querySelector('.tour .challenge .status')?.textContent.startsWith('Solved ✓'),
    target,
    { timeout: 60_000 },
  );
  // (Pressed only if it still plays: the goal may have paused it.)
  await page.evaluate(() => document.querySelector('.controls .play[aria-label="Pause"]')?.click());
}

async function nodeButton(page, port, name) {
  await page.locator(`.node[data-port="${port}"]`).click();
  try {
    await page.locator('.node-popover').getByRole('button', { name, exact: true }).click({ timeout: 5_000 });
  } catch (e) {
    await page.screenshot({ path: shotPath('tour-debug.png') });
    throw e;
  }
  await page.getByRole('button', { name: "Close the node's details" }).click();
}

// One line of a solution, done with the page's controls.
async function gesture(page, line) {
  const [verb, ...rest] = line.split(' ');
  const arg = rest.join(' ');
  switch (verb) {
    case 'console': return void (await type(page, arg));
    case 'client': return page.getByLabel('Client mode').selectOption({ label: MODES[arg] });
    case 'connect': return page.getByLabel('Node the client talks to').selectOption({ label: `127.0.0.1:${arg}` });
    case 'kill': return nodeButton(page, arg, 'Kill -9');
    case 'restart': return nodeButton(page, arg, 'Restart');
    case 'failover': return nodeButton(page, arg, 'CLUSTER FAILOVER');
    case 'advance': return playFor(page, Number(arg));
    default: throw new Error(`no gesture for ${line}`);
  }
}

// What a learner does for a step: the hint's way where the solution's
// timing is not something a person can do with a button.
const BY_HAND = {
  // "move slot 5712 to 7000, then pause it after its second command"
  'migration/1': async (page) => {
    await openDrawer(page, 'Operations & settings');
    await page.getByLabel('Slot to move').fill('5712');
    await page.getByLabel('Target master').selectOption({ label: ':7000' });
    await page.getByRole('button', { name: 'Move slot to target' }).click();
    await page.getByRole('button', { name: 'Pause operation' }).click();
    await page.getByRole('button', { name: 'Send next command' }).click();
    await page.getByRole('button', { name: 'Send next command' }).click();
  },
};

async function solve(page, tour, i) {
  const step = tour.steps[i];
  const byHand = BY_HAND[`${tour.id}/${i + 1}`];
  if (byHand) await byHand(page);
  else for (const line of step.solution) await gesture(page, line);
  if (step.challenge) {
    // Time-driven goals (a FAIL, a promotion) may want a little more time.
    for (let more = 0; more < 10 && !(await status(page)).startsWith('Solved ✓'); more++) {
      if (!step.solution.at(-1)?.startsWith('advance')) break;
      await playFor(page, 1_000);
    }
    assert.equal(await status(page), 'Solved ✓', `${tour.id} step ${i + 1}: ${step.title}`);
  }
}

for (const tour of TOURS) {
  test(`tour ${tour.id}: every step solved by gestures, Back restores`, async () => {
    const { page, problems } = await openPage(ctx.browser, `${ctx.server.url}#v=1&tour=${tour.id}`, { width: 1280, height: 800 });
    await command(page).waitFor();
    const n = tour.steps.length;
    let start = null;
    for (let i = 0; i < n; i++) {
      assert.equal(await counter(page), `${i + 1} / ${n}`);
      assert.equal(await page.locator('.tour .step-title').innerText(), tour.steps[i].title);
      if (tour.steps[i].challenge) assert.equal(await status(page), 'Not yet', `${tour.id} step ${i + 1} met before acting`);
      if (i === 0) start = { clock: await clockMs(page), entries: await entries(page) };
      await solve(page, tour, i);
      if (i === n - 1) await page.screenshot({ path: shotPath(`tour-${tour.id}.png`) });
      if (i === 1) {
        // Back: the first step again, exactly as it started.
        await page.getByRole('button', { name: '← Back' }).click();
        assert.equal(await counter(page), `1 / ${n}`);
        assert.equal(await clockMs(page), start.clock, 'the clock is where step 1 started');
        assert.equal(await entries(page), start.entries, 'the console is as step 1 started');
        if (tour.steps[0].challenge) assert.equal(await status(page), 'Solved earlier ✓ (try it again)');
        // Solved again, then on to step 2 and solved there again.
        await solve(page, tour, 0);
        await page.getByRole('button', { name: 'Next →' }).click();
        await solve(page, tour, 1);
      }
      await page.locator('.tour-nav .next').click();
    }
    // Finish: the index, with the tour all solved.
    const card = page.locator(`.tour-card[data-tour="${tour.id}"]`);
    await card.waitFor();
    assert.match(await card.innerText(), /all solved ✓/);
    assert.match(page.url(), new RegExp(`tour=${tour.id}&step=${n}`), 'the address carries the tour and step');
    assert.deepEqual(problems, []);
    await page.close();
  });
}

test('the index, a step opened by its link, and the words of a learner reading it', async () => {
  const { page, problems } = await openPage(ctx.browser, ctx.server.url, { width: 1280, height: 800 });
  await command(page).waitFor();
  await page.getByRole('button', { name: 'Tours', exact: true }).click();
  assert.equal(await page.locator('.tour-card').count(), 9);
  await page.locator('.tour-card[data-tour="hash-tags"] .start').click();
  assert.equal(await counter(page), '1 / 3');
  // A link to step 2 opens there, as after step 1.
  await page.goto(`${ctx.server.url}#v=1&tour=hash-tags&step=2`);
  await page.reload();
  await command(page).waitFor();
  assert.equal(await counter(page), '2 / 3');
  const text = await page.locator('.tour').innerText();
  assert.match(text, /only that part is hashed/);
  assert.match(text, /\{user:1001\}:orders/);
  // A command in the text runs when clicked.
  await page.locator('.tour button.run').first().click();
  await page.locator('.console-log pre.printed', { hasText: '(integer) 5712' }).waitFor();
  assert.equal(await status(page), 'Solved ✓');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a teacher\'s tour file loads from the address or by pasting; a malformed one is refused and the page goes on', async () => {
  const mine = `# A teacher's own tour, from outside the repo.
tour: my-lesson
title: My lesson
summary: One step.

step: Find the slot
text: Run [[CLUSTER KEYSLOT foo]].
setup: topology 3 1
goal: reply-contains (integer) 12182
hint: Click the command.
solution: console CLUSTER KEYSLOT foo
`;
  // The same origin as the page (the e2e server's folder), and another one
  // that allows cross-origin reads.
  writeFileSync(join(ROOT, 'target', 'e2e-www', 'my.tour'), mine);
  const other = createServer((req, res) => {
    res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain' });
    res.end(mine.replace('My lesson', 'My lesson, from afar'));
  });
  await new Promise((ok) => other.listen(0, '127.0.0.1', ok));
  const otherOrigin = `http://127.0.0.1:${other.address().port}`;
  try {
    const { page, problems } = await openPage(ctx.browser, `${ctx.server.url}?embed&tour-url=..%2Fmy.tour`, { width: 1024, height: 700 });
    await page.locator('.tour .step-title', { hasText: 'Find the slot' }).waitFor();
    assert.match(await page.locator('.tour h2').innerText(), /My lesson \(your file\)/);
    await page.locator('.tour button.run').click();
    await page.locator('.tour .challenge .status', { hasText: 'Solved ✓' }).waitFor();
    assert.deepEqual(problems, []);
    await page.close();

    // Another origin: refused unless the address trusts it.
    const far = encodeURIComponent(`${otherOrigin}/mine.tour`);
    const refused = await openPage(ctx.browser, `${ctx.server.url}?embed&tour-url=${far}`);
    await refused.page.locator('.tour-error', { hasText: 'is not fetched' }).waitFor();
    await command(refused.page).waitFor();
    await refused.page.close();
    const trusted = await openPage(ctx.browser, `${ctx.server.url}?embed&tour-url=${far}&origin=${encodeURIComponent(otherOrigin)}`);
    await trusted.page.locator('.tour h2', { hasText: 'My lesson, from afar' }).waitFor();
    assert.deepEqual(trusted.problems, []);
    await trusted.page.close();

    // Pasted: a malformed file names its line and field.
    const { page: p2, problems: pr2 } = await openPage(ctx.browser, ctx.server.url, { width: 1280, height: 800 });
    await command(p2).waitFor();
    await p2.getByRole('button', { name: 'Tours', exact: true }).click();
    await p2.locator('.tour-file summary').click();
    await p2.locator('.tour-file textarea').fill(mine.replace('goal: reply-contains (integer) 12182', 'goal: reply-sideways'));
    await p2.getByRole('button', { name: 'Play it' }).click();
    const alert = await p2.locator('.tour-error').innerText();
    assert.match(alert, /This tour file could not be read: line 9: goal: /);
    // The page goes on: the console answers, the index is there.
    const e = await type(p2, 'CLUSTER KEYSLOT foo');
    assert.match(await e.innerText(), /12182/);
    assert.equal(await p2.locator('.tour-card').count(), 9);
    await p2.locator('.tour-file textarea').fill(mine);
    await p2.getByRole('button', { name: 'Play it' }).click();
    await p2.locator('.tour .step-title', { hasText: 'Find the slot' }).waitFor();
    assert.equal(await p2.locator('.tour-error').count(), 0);
    await p2.screenshot({ path: shotPath('tour-custom-file.png') });
    assert.deepEqual(pr2, []);
    await p2.close();
  } finally {
    other.close();
  }
});

test('a tour in the lesson page\'s frame (800×500): the host starts it and hears its steps and goals', async () => {
  const host = await serveFolder(join(ROOT, 'host-example'));
  try {
    const page = await ctx.browser.newPage({ viewport: { width: 1000, height: 1000 } });
    const problems = [];
    page.on('console', (m) => ['error', 'warning'].includes(m.type()) && problems.push(m.text()));
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(`${host.url}lesson.html?app=${encodeURIComponent(ctx.server.url)}`);
    const app = page.frameLocator('#slotscope');
    await app.getByRole('textbox', { name: 'Redis command' }).waitFor();
    await page.waitForFunction(() => document.getElementById('events').textContent.includes('ready'));
    await page.locator('#tour').click();
    await page.waitForFunction(() => document.getElementById('events').textContent.includes('step {'));
    assert.match(await page.locator('#events').innerText(), /step \{"slotscope":1,"tour":"failover","step":1,"steps":3,"title":"A master stops answering"\}/);
    // The learner, in the frame: kill 7000 from its panel, then play.
    await app.locator('.node[data-port="7000"]').click();
    await app.getByRole('button', { name: 'Kill -9', exact: true }).click();
    await app.getByRole('button', { name: "Close the node's details" }).click();
    await app.getByLabel('Speed').fill('0.5');
    await app.getByRole('button', { name: 'Play', exact: true }).click();
    await page.waitForFunction(() => document.getElementById('events').textContent.includes('goal {'), null, { timeout: 60_000 });
    // Met, the moment stays: the clock paused itself.
    await app.getByRole('button', { name: 'Play', exact: true }).waitFor();
    assert.match(await page.locator('#events').innerText(), /goal \{"slotscope":1,"tour":"failover","step":1,"goal":"[^"]+","bySolution":false\}/);
    await page.locator('#slotscope').screenshot({ path: shotPath('tour-embed-800x500.png') });
    // The host moves the tour on, and back.
    await page.locator('#tour-next').click();
    await app.locator('.tour .counter', { hasText: '2 / 3' }).waitFor();
    await page.locator('#tour-back').click();
    await app.locator('.tour .counter', { hasText: '1 / 3' }).waitFor();
    assert.match(await page.locator('#progress').innerText(), /Tour failover, step 1 of 3: A master stops answering; solved steps: 1/);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    host.stop();
  }
});

test('axe-core finds nothing in the tour panel (index, a step with its hints and solution), light and dark; the 800×500 frame has no scroll bars', async () => {
  for (const colorScheme of ['light', 'dark']) {
    // (bypassCSP: the page's CSP rightly refuses the injected axe script.)
    const { page, problems } = await openPage(ctx.browser, ctx.server.url, { width: 1280, height: 800 }, { colorScheme, bypassCSP: true });
    await command(page).waitFor();
    await page.getByRole('button', { name: 'Tours', exact: true }).click();
    await page.locator('.tour-file summary').click();
    assert.deepEqual(await axe(page), [], `${colorScheme}, index`);
    await page.locator('.tour-card[data-tour="migration"] .start').click();
    await page.getByRole('button', { name: 'Hint' }).click();
    await page.getByRole('button', { name: 'Show the solution' }).click();
    assert.deepEqual(await axe(page), [], `${colorScheme}, step`);
    await page.screenshot({ path: shotPath(`tour-panel-${colorScheme}.png`) });
    assert.deepEqual(problems, []);
    await page.close();

    const embed = await openPage(ctx.browser, `${ctx.server.url}?embed&tour=failover&step=2`, { width: 800, height: 500 }, { colorScheme, bypassCSP: true });
    await embed.page.locator('.tour .counter', { hasText: '2 / 3' }).waitFor();
    const size = await embed.page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
    assert.deepEqual(size, [800, 500], 'no scroll bars in the 800×500 frame');
    assert.deepEqual(await axe(embed.page), [], `${colorScheme}, embed`);
    assert.deepEqual(embed.problems, []);
    await embed.page.close();
  }
});
