/**
 * Opens report.html in real headless Chromium (Debian package `chromium`, found as `chromium` on
 * PATH or at $GC_CHROMIUM) with the network blocked: the page must load without console errors or
 * network requests, show every plot sized to the page, and answer hover, legend clicks, the x-axis
 * menu, the per-seed switch and the mouse wheel. Without Chromium the test is skipped with the install line, unless
 * CI is set: there it fails (CI installs it, see .ci/run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { reportCommand } from '../../src/cli/report.js';
import { writeDemoResults, writeRun, curve } from '../helpers/report-fixtures.js';
import { tempDir } from '../helpers/tmp.js';
import { findOnPath, requirement } from '../helpers/requirements.js';

const CHROMIUM = findOnPath(process.env.GC_CHROMIUM || 'chromium');
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const need = requirement('headless Chromium', CHROMIUM ? [] : [process.env.GC_CHROMIUM || 'chromium on PATH'], 'apt-get install -y chromium');

const LAUNCH = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Opens report.html with every request that is not file: or data: blocked (and recorded), and
 * waits until the page script says all plots are embedded.
 */
async function openReport(browser: Browser, file: string) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith('file:') || u.startsWith('data:')) return route.continue();
    problems.push(`network request: ${u}`);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.plots === 'ready' || document.body.dataset.plots === 'error', null, { timeout: 30000 });
  return { page, problems };
}

/** Waits until the page has finished more than `n` embeds and none is pending. */
const renderedMoreThan = (page: Page, n: number) =>
  page.waitForFunction((k) => Number(document.body.dataset.renders) > k && document.body.dataset.plots === 'ready', n, { timeout: 30000 });

test('report.html renders in headless Chromium with every plot visible, offline', { skip: need.skip }, async () => {
  assert.equal(need.missing, null, need.missing ?? '');
  const root = tempDir('gc-report-html-').dir;
  writeDemoResults(root);
  const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };
  assert.equal(await reportCommand([root], quiet), 0);
  const html = readFileSync(join(root, 'report', 'report.html'), 'utf8');
  assert.doesNotMatch(html, /<(script|link|img|iframe)[^>]+(src|href)="(https?:)?\/\//i, 'no external script, style or image');
  assert.equal(html.split('vegaEmbed=').length - 1 >= 1 && html.split('<script>').length - 1, 2, 'the vega bundle is inlined once, beside the page script');
  const browser = await chromium.launch({ executablePath: CHROMIUM!, args: LAUNCH });
  try {
    const { page, problems } = await openReport(browser, join(root, 'report', 'report.html'));
    const charts = await page.$$eval('.chart', (els) =>
      els.map((e) => {
        const svg = e.querySelector('svg');
        const r = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
        return { plot: (e as HTMLElement).className, w: r.width, h: r.height, box: e.getBoundingClientRect().width };
      }),
    );
    assert.equal(charts.length, 8, 'per sweep: GC and test accuracy curves, final GC vs knob and vs test accuracy');
    for (const c of charts) {
      assert.ok(c.w > 400 && c.h > 200, `${c.plot}: rendered ${c.w}x${c.h}`);
      assert.ok(Math.abs(c.w - c.box) < 40, `${c.plot}: sized to its column (${c.w} of ${c.box})`);
    }
    const text = await page.textContent('body');
    assert.match(text!, /lr-sweep/);
    assert.match(text!, /DIVERGED/);
    assert.match(text!, /12 ± 2/);
    assert.match(text!, /stop rule5 epochs/);
    assert.match(text!, /modelarch mlp, widths \[16\], activation relu/);
    assert.match(text!, /not enough data \(1 seed, 2 knob values/);
    assert.equal(await page.locator('tr.failed').count() > 0, true, 'failed runs highlighted');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('report.html is interactive offline: tooltip on hover, legend toggle, x-axis switch, per-seed lines, zoom', { skip: need.skip }, async () => {
  assert.equal(need.missing, null, need.missing ?? '');
  const root = tempDir('gc-report-live-').dir;
  writeDemoResults(root);
  // A sweep whose runs stop at a train accuracy: its plots open on the train-accuracy axis.
  for (const seed of [0, 1, 2]) {
    writeRun(root, { experiment: 'acc-sweep', seed, swept: { 'optimizer.lr': 0.1 }, status: 'complete', config: { train: { batch_size: 32, epochs: 9, stop_train_acc: 0.8 } }, rows: curve(20, 5, 0.7) });
  }
  const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };
  assert.equal(await reportCommand([root], quiet), 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM!, args: LAUNCH });
  try {
    const { page, problems } = await openReport(browser, join(root, 'report', 'report.html'));
    // Sections are in experiment order: acc-sweep, bs-sweep, lr-sweep.
    assert.equal(await page.inputValue('#plots-0 select.x-axis'), 'train_acc', 'stop_train_acc sweep opens on train accuracy');
    assert.equal(await page.inputValue('#plots-2 select.x-axis'), 'epoch');
    const gc = '#plots-2 .curve-0';

    // Hover the mean point of lr 0.01 at epoch 4 (final GC 10, 12, 14 → mean 12): vega-tooltip shows its values.
    const point = page.locator(`${gc} svg path[aria-label*="epoch: 4;"][aria-label*="optimizer.lr: 0.01"][aria-label*="seeds (all done)"]`);
    await point.hover();
    const tip = page.locator('#vg-tooltip-element.visible');
    await tip.waitFor({ state: 'visible', timeout: 5000 });
    const tipText = (await tip.textContent())!;
    assert.match(tipText, /optimizer\.lr\s*0\.01/);
    assert.match(tipText, /geometric complexity\s*12/);
    assert.match(tipText, /seeds \(all done\)\s*3/);

    // Click the legend entry "1": lr 1 stays opaque, the other values fade.
    const lineOpacity = (knob: string) =>
      page.$eval(`${gc} svg path[aria-label*="optimizer.lr: ${knob}"][aria-label*="seeds (all done)"]`, (e) => Number(getComputedStyle(e).opacity));
    assert.equal(await lineOpacity('0.01'), 1);
    await page.locator(`${gc} svg g.role-legend text`, { hasText: /^1$/ }).click({ force: true }); // vega hit-tests clicks on its svg; the text itself takes none
    await page.waitForFunction((sel) => {
      const e = document.querySelector(`${sel} svg path[aria-label*="optimizer.lr: 0.01"][aria-label*="seeds (all done)"]`);
      return e && Number(getComputedStyle(e).opacity) < 0.5;
    }, gc, { timeout: 5000 });
    assert.ok((await lineOpacity('0.01')) < 0.5, 'unpicked value faded');
    assert.equal(await lineOpacity('1'), 1, 'picked value opaque');

    // Switch the x axis to the SGD step: the axis title and the tick range follow (step = 10 · epoch here).
    let renders = Number(await page.getAttribute('body', 'data-renders'));
    await page.selectOption('#plots-2 select.x-axis', 'step');
    await renderedMoreThan(page, renders);
    const axisText = await page.$$eval(`${gc} svg g.role-axis text`, (els) => els.map((e) => e.textContent));
    assert.ok(axisText.includes('SGD step'), axisText.join('|'));
    assert.ok(axisText.includes('40'), `ticks reach step 40: ${axisText.join('|')}`);
    assert.ok(!axisText.includes('epoch'));

    // Per-seed lines on demand, with a seed legend.
    renders = Number(await page.getAttribute('body', 'data-renders'));
    assert.equal(await page.locator(`${gc} svg g.role-legend text`, { hasText: 'seed (click to toggle)' }).count(), 0);
    await page.check('#plots-2 input.seeds');
    await renderedMoreThan(page, renders);
    assert.equal(await page.locator(`${gc} svg g.role-legend text`, { hasText: 'seed (click to toggle)' }).count(), 1);
    assert.ok((await page.locator(`${gc} svg path[aria-label*="run: lr-sweep-optimizer.lr=0.01-s1"]`).count()) > 0, 'a seed\'s own line');
    // Click seed 1 in the seed legend: its lines stay, the other seeds' fade.
    const seedOpacity = (seed: number) =>
      page.$eval(`${gc} svg path[aria-label*="run: lr-sweep-optimizer.lr=1-s${seed};"]`, (e) => Number(getComputedStyle(e).opacity));
    await page.locator(`${gc} svg g.role-legend[aria-label*="seed"] text`, { hasText: /^1$/ }).click({ force: true });
    await page.waitForFunction((sel) => {
      const e = document.querySelector(`${sel} svg path[aria-label*="run: lr-sweep-optimizer.lr=1-s0;"]`);
      return e && Number(getComputedStyle(e).opacity) < 0.2;
    }, gc, { timeout: 5000 });
    assert.ok((await seedOpacity(1)) > 0.5, 'picked seed (of the picked lr) shown');

    // Wheel over the plot zooms: the x domain shrinks.
    const domain = () => page.$eval(gc, (el) => (window as any).gcReport.view(el).scale('x').domain() as number[]);
    const before = await domain();
    const box = (await page.locator(`${gc} svg`).boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction(([sel, w]) => {
      const d = (window as any).gcReport.view(document.querySelector(sel)).scale('x').domain();
      return d[1] - d[0] < w;
    }, [gc, before[1] - before[0]] as const, { timeout: 5000 });
    const after = await domain();
    assert.ok(after[1] - after[0] < before[1] - before[0], `zoomed: ${before} → ${after}`);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
