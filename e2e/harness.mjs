// Shared set-up for the end-to-end tests: serve dist/ under a sub-path with a
// plain `python3 -m http.server`, start Debian's Chromium headless, and watch
// the page for anything that went wrong (console errors, failed or 4xx requests).

import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { before, after } from 'node:test';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHOTS = join(ROOT, 'target', 'e2e');
export const SUB_PATH = '/slotscope/';

// Flags that keep Chromium quiet on a machine with no outside network.
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitForHttp(url, child, ms = 10000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`static server exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`static server did not answer at ${url}`);
}

// Serves ROOT/dist as http://127.0.0.1:PORT/slotscope/ from a folder whose only
// entry is a link to dist/: the page must work below a sub-path it was not built for.
export async function serveDist() {
  const dist = join(ROOT, 'dist');
  if (!existsSync(join(dist, 'index.html'))) throw new Error('dist/ is not built: run make dist');
  const www = join(ROOT, 'target', 'e2e-www');
  rmSync(www, { recursive: true, force: true });
  mkdirSync(www, { recursive: true });
  symlinkSync(dist, join(www, SUB_PATH.replaceAll('/', '')));
  const port = await freePort();
  const child = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', www], {
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}${SUB_PATH}`;
  await waitForHttp(url, child);
  return {
    url,
    stop: () => child.kill(),
  };
}

// Serves a folder as http://127.0.0.1:PORT/ (another origin than the app).
export async function serveFolder(dir) {
  const port = await freePort();
  const child = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], {
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/`;
  await waitForHttp(url, child);
  return { url, origin: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
  });
}

// Opens a page that records every problem a user or a developer would notice.
// `options`: more of Playwright's page options (reducedMotion, colorScheme…).
export async function openPage(browser, url, viewport = { width: 1024, height: 900 }, options = {}) {
  const page = await browser.newPage({ viewport, ...options });
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') {
      problems.push(`console ${msg.type()}: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  await page.goto(url);
  return { page, problems };
}

export function shotPath(name) {
  mkdirSync(SHOTS, { recursive: true });
  return join(SHOTS, name);
}

// The studio's console: its input, a line typed and run (returns the new
// log entry), what an entry printed, and the simulated clock in ms.
export const command = (page) => page.getByRole('textbox', { name: 'Redis command' });

export async function type(page, line) {
  const before = await page.locator('.console-log .entry').count();
  await command(page).fill(line);
  await command(page).press('Enter');
  await page.waitForFunction((n) => document.querySelectorAll('.console-log .entry').length > n, before);
  // The reply is printed when its animation reaches the client.
  await page.waitForFunction(() => !document.querySelector('.console-log .entry:last-child.waiting'));
  return page.locator('.console-log .entry').last();
}

export async function printed(entry) {
  return (await entry.locator('pre.printed').allInnerTexts()).join('\n');
}

// Opens one of the drawers below the stage (key inspector, event log,
// operations & settings) by its tab.
export async function openDrawer(page, name) {
  await page.getByRole('tab', { name }).click();
}

// Plays at `log10 speed` until `predicate` holds in the page, then pauses.
export async function playUntil(page, speedLog, predicate, timeout = 60_000) {
  await page.getByLabel('Speed').fill(String(speedLog));
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForFunction(predicate, null, { timeout });
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
}

export async function clock(page) {
  const t = await page.getByLabel('Simulated time').innerText();
  return Math.round(parseFloat(t) * 1000);
}

// Serves dist/ and starts Chromium before a file's tests, and stops both
// after them; the tests read `ctx.server.url` and `ctx.browser`.
export function withBrowser() {
  const ctx = {};
  before(async () => {
    ctx.server = await serveDist();
    ctx.browser = await launch();
  });
  after(async () => {
    await ctx.browser?.close();
    ctx.server?.stop();
  });
  return ctx;
}
