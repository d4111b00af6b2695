// The dashboard in a real browser: Debian's Chromium, driven through playwright-core, against the
// real daemon running the seed example (examples/seed-pattern) and a worker that always fails.
// It invokes the front from the page, watches its trace arrive live with the verdict and the
// worker's bar, reads the worker's REPORT line in the Logs view, and redrives a failed event
// from the Failures view; then a page on a foreign origin tries the same control API and is
// refused. Screenshots of each view go to $OFFSTAGE_ARTIFACTS (build/test-artifacts/dashboard).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDaemon } from '../clients/test/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const artifacts = process.env.OFFSTAGE_ARTIFACTS || path.join(repo, 'build', 'test-artifacts', 'dashboard');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// How long to wait for what a handler must do first (a cold start, the worker's second of work,
// three failing attempts): not a speed requirement. Functions run at nice 19, and on a machine
// whose cores are busy they wait (tests/integration/harness.py, HANG_S).
const HANG_MS = 120000;

let daemon;
let browser;
let configDir;

before(async () => {
  fs.mkdirSync(artifacts, { recursive: true });
  // The seed example's functions and topic, plus "broken" (always throws) for the Failures view.
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'offstage-dashboard-'));
  const seed = JSON.parse(fs.readFileSync(path.join(repo, 'examples', 'seed-pattern', 'offstage.json'), 'utf8'));
  for (const fn of seed.functions) fn.code = path.join(repo, 'examples', 'seed-pattern', fn.code);
  seed.functions.push({
    name: 'broken', runtime: 'nodejs20.x', handler: 'index.handler', timeout: 10,
    code: path.join(repo, 'tests', 'fixtures', 'functions', 'node-throws'),
  });
  const config = path.join(configDir, 'offstage.json');
  fs.writeFileSync(config, JSON.stringify(seed));
  daemon = await startDaemon(['--ephemeral', '--config', config, '--async-retry-delays', '50ms,50ms']);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // evil.test is a foreign site served from this machine (the last test).
      '--host-resolver-rules=MAP evil.test 127.0.0.1'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (daemon) assert.equal(await daemon.stop(), 0, daemon.output.join(''));
  if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
});

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, name + '.png'), fullPage: true });
}

async function newPage(width = 1280) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  page.errors = errors;
  return page;
}

test('a browser opening the daemon is sent to the dashboard, which is live', async () => {
  const page = await newPage();
  await page.goto(daemon.endpoint + '/');
  assert.equal(new URL(page.url()).pathname, '/_offstage/');
  await page.locator('#live.on').waitFor({ timeout: 30000 });
  assert.equal(await page.locator('nav a[aria-current="page"]').textContent(), 'Traces');
  // API clients asking / for XML are not redirected.
  const api = await fetch(daemon.endpoint + '/?Action=ListTopics');
  assert.equal(api.status, 200);
  assert.match(await api.text(), /ListTopicsResponse/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('invoke the front from the page; its trace arrives live with the verdict and the worker', async () => {
  const functions = await newPage();
  const traces = await newPage();
  await traces.goto(daemon.endpoint + '/_offstage/#/traces');
  await traces.locator('#live.on').waitFor({ timeout: 30000 });
  await functions.goto(daemon.endpoint + '/_offstage/#/functions');
  const card = functions.locator('section.card[data-function="front-offload"]');
  await card.waitFor({ timeout: 30000 });
  await card.locator('summary', { hasText: 'Invoke' }).click();
  await card.locator('textarea').fill('{"job": "from the dashboard"}');
  await card.locator('button[data-invoke="front-offload"]').click();
  const result = card.locator('.result a', { hasText: 'open its trace' });
  await result.waitFor({ timeout: HANG_MS });
  const invoked = Date.now();
  const answer = await card.locator('.result').textContent();
  assert.match(answer, /status 200/);
  assert.doesNotMatch(answer, /Unhandled/);
  const traceId = decodeURIComponent((await result.getAttribute('href')).replace('#/trace/', ''));

  // The other tab, left on Traces, shows the trace without a reload: within a second of the
  // front's answer.
  const row = traces.locator(`tr[data-trace="${traceId}"]`);
  await row.waitFor({ timeout: 1000 });
  const seenAfterMs = Date.now() - invoked;
  assert.ok(seenAfterMs <= 1000, `the trace row appeared ${seenAfterMs} ms after the answer`);
  // Once the worker has finished, the row's verdict turns to "offloaded".
  await row.locator('.badge.offloaded').waitFor({ timeout: HANG_MS });
  assert.match(await row.textContent(), /front-offload/);
  await shot(traces, 'traces');
  await traces.emulateMedia({ colorScheme: 'dark' });
  await shot(traces, 'traces-dark');
  await traces.emulateMedia({ colorScheme: 'light' });
  // The widest supported window: nothing overflows it either.
  await traces.setViewportSize({ width: 2560, height: 900 });
  const overflow = await traces.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the window`);
  await traces.setViewportSize({ width: 1280, height: 900 });

  await row.locator('a').click();
  const waterfall = traces.locator(`.waterfall[data-trace="${traceId}"]`);
  await waterfall.waitFor({ timeout: 30000 });
  assert.match(await waterfall.locator('.verdict.good').textContent(), /front-offload returned .* before the background work finished/);
  // The worker's bar: an invocation span named worker, drawn in the waterfall.
  assert.ok(await waterfall.locator('svg rect.span.invocation').count() >= 2);
  assert.match(await waterfall.locator('svg').textContent(), /worker/);
  assert.match(await waterfall.locator('ul.work').textContent(), /worker: succeeded/);
  await shot(traces, 'waterfall');

  // The Functions view counts the invocations and shows the environments.
  const worker = functions.locator('section.card[data-function="worker"]');
  await worker.locator('.envs .badge').first().waitFor({ timeout: HANG_MS });
  assert.match(await worker.textContent(), /1 invocation \(/);
  await shot(functions, 'functions');
  assert.deepEqual(functions.errors, []);
  assert.deepEqual(traces.errors, []);
  await functions.close();
  await traces.close();
});

test("the Logs view tails every function's lines, folded under each REPORT", async () => {
  const page = await newPage();
  await page.goto(daemon.endpoint + '/_offstage/#/logs?function=worker');
  const report = page.locator('.logs details summary', { hasText: /REPORT RequestId: .* Duration: / });
  await report.first().waitFor({ timeout: HANG_MS });
  assert.match(await page.locator('.logs').textContent(), /worker finished/);
  await shot(page, 'logs');
  // Every function: the front's lines too.
  await page.selectOption('[data-keep="function"]', '');
  await page.locator('.logs .fn', { hasText: 'front-offload' }).first().waitFor({ timeout: 30000 });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a failed asynchronous event is redriven from the Failures view', async () => {
  const page = await newPage();
  await page.goto(daemon.endpoint + '/_offstage/#/functions');
  const card = page.locator('section.card[data-function="broken"]');
  await card.waitFor({ timeout: 30000 });
  await card.locator('summary', { hasText: 'Invoke' }).click();
  await card.locator('button', { hasText: 'Invoke as Event' }).click();
  await card.locator('.result', { hasText: 'status 202' }).waitFor({ timeout: HANG_MS });

  await page.goto(daemon.endpoint + '/_offstage/#/failures');
  const failed = page.locator('tr[data-request]');
  await failed.first().waitFor({ timeout: HANG_MS });  // three attempts, 50 ms apart
  const original = await failed.first().getAttribute('data-request');
  assert.match(await failed.first().textContent(), /broken.*failed.*3.*Error: boom: no reason/);
  await shot(page, 'failures');
  await page.locator('button[data-redrive="broken"]').click();
  await page.locator('#notice', { hasText: 'redrove 1 event(s) of broken' }).waitFor({ timeout: 30000 });
  // The original leaves the list (it is marked redriven); its redrive fails again and arrives.
  await page.locator(`tr[data-request="${original}"]`).waitFor({ state: 'detached', timeout: HANG_MS });
  await page.locator('tr[data-request]').first().waitFor({ timeout: HANG_MS });
  assert.notEqual(await page.locator('tr[data-request]').first().getAttribute('data-request'), original);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the Topics view shows subscriptions and publishes a test message', async () => {
  const page = await newPage(360);  // the narrowest supported width
  await page.goto(daemon.endpoint + '/_offstage/#/topics');
  const card = page.locator('section.card[data-topic="jobs"]');
  await card.waitFor({ timeout: 30000 });
  assert.match(await card.textContent(), /lambda.*worker/s);
  await card.locator('summary', { hasText: 'Publish' }).click();
  await card.locator('textarea').fill('{"job": 7}');
  await card.getByRole('button', { name: 'Publish' }).click();
  await card.locator('.result', { hasText: 'open its trace' }).waitFor({ timeout: 30000 });
  // The worker's subscription counts the deliveries of the last five minutes by outcome.
  await card.locator('td.outcomes .badge', { hasText: /^\d+ invoked$/ }).waitFor({ timeout: 30000 });
  // Nothing wider than the window at 360 px.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the window`);
  await shot(page, 'topics-360px');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a foreign site's page can neither call the control API nor frame the dashboard", async () => {
  const port = new URL(daemon.endpoint).port;
  const before = await (await fetch(daemon.endpoint + '/_offstage/traces?limit=1000')).json();
  // evil.test (mapped to 127.0.0.1) serves a page that tries to invoke and to frame.
  const evil = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!DOCTYPE html><iframe id="f" src="http://127.0.0.1:${port}/_offstage/"></iframe>`);
  });
  await new Promise((resolve) => evil.listen(0, '127.0.0.1', resolve));
  try {
    const page = await newPage();
    await page.goto(`http://evil.test:${evil.address().port}/`);
    const outcome = await page.evaluate(async (endpoint) => {
      try {
        const response = await fetch(endpoint + '/_offstage/invoke', {
          method: 'POST', headers: { 'Content-Type': 'text/plain' }, mode: 'no-cors',
          body: JSON.stringify({ function: 'front-offload', payload: {} }),
        });
        return 'sent:' + response.type;
      } catch (e) {
        return 'failed:' + e.message;
      }
    }, daemon.endpoint);
    assert.ok(outcome.startsWith('sent:opaque') || outcome.startsWith('failed:'), outcome);
    // The frame stays empty: the dashboard refuses to be framed.
    const frame = page.frames().find((f) => f !== page.mainFrame());
    const framed = frame ? await frame.evaluate(() => document.body ? document.body.innerText : '').catch(() => '') : '';
    assert.doesNotMatch(framed, /Traces/);
    await page.close();
    // The daemon refused the request: no new invocation of the front.
    const afterTraces = await (await fetch(daemon.endpoint + '/_offstage/traces?limit=1000')).json();
    assert.equal(afterTraces.traces.length, before.traces.length);
    // At the HTTP level: the foreign Origin and a foreign Host are refused, the daemon's own
    // origin is served.
    const refused = await fetch(daemon.endpoint + '/_offstage/functions', { headers: { Origin: 'http://evil.test' } });
    assert.equal(refused.status, 403);
    const own = await fetch(daemon.endpoint + '/_offstage/functions', { headers: { Origin: `http://127.0.0.1:${port}` } });
    assert.equal(own.status, 200);
  } finally {
    evil.close();
  }
});
