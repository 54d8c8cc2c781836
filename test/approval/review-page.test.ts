// The review page and the audit as a human sees them: rendered by Debian's
// Chromium through playwright-core at 1280 px wide. It fails (never skips)
// when Chromium is missing; scripts/install-tools.sh installs it.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { renderAuditHTML, renderReviewHTML } from '../../src/approval/render.ts';
import { ROOT } from '../support/paths.ts';
import { auditReport, reviewView } from './views.ts';

const CHROMIUM = '/usr/bin/chromium';
const VIEWPORT = { width: 1280, height: 900 };

let browser: Browser | undefined;
let opened: Promise<Page> | undefined;

/**
 * The one browser page the tests share. A missing Chromium rejects it, and
 * every test that asks for it fails with the reason: none is skipped.
 */
function browserPage(): Promise<Page> {
  opened ??= (async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's chromium (bash scripts/install-tools.sh installs it, or apt-get install -y chromium)`);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    // A fixed scale factor and no animations, so the screenshot is the same bytes every run.
    return browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1, reducedMotion: 'reduce' });
  })();
  return opened;
}

/** The shared page, showing `html`. */
async function show(html: string): Promise<Page> {
  const page = await browserPage();
  await page.setContent(html, { waitUntil: 'load' });
  return page;
}

afterAll(async () => {
  await browser?.close();
});

/**
 * Where the threshold line is drawn, in page pixels. A vertical line has a
 * zero-width box, which Playwright's isVisible counts as hidden, so the test
 * checks that it is displayed, spans rows and lies inside the plot instead.
 */
async function thresholdLine(page: Page): Promise<{ x: number; height: number; inside: boolean; displayed: boolean }> {
  return page.locator('#min-review-line').evaluate((line) => {
    const box = line.getBoundingClientRect();
    const plot = line.closest('svg')!.getBoundingClientRect();
    const style = getComputedStyle(line);
    return {
      x: box.left,
      height: box.height,
      inside: box.left >= plot.left && box.right <= plot.right && box.top >= plot.top && box.bottom <= plot.bottom,
      displayed: style.display !== 'none' && style.visibility !== 'hidden' && style.opacity !== '0',
    };
  });
}

/** Writes a full-page screenshot to docs/, where the documentation shows it; each run rewrites it. */
async function saveScreenshot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({ fullPage: true, animations: 'disabled', caret: 'hide' });
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  writeFileSync(join(ROOT, 'docs', name), png);
}

/** Every element matching `selector` that is rendered with a size. */
async function visibleCount(page: Page, selector: string): Promise<number> {
  const all = await page.locator(selector).all();
  const visible = await Promise.all(all.map((element) => element.isVisible()));
  return visible.filter(Boolean).length;
}

describe('renderReviewHTML in Chromium', () => {
  const view = reviewView();
  const html = renderReviewHTML(view);

  it('shows the diff summary with every example in the order given', async () => {
    const page = await show(html);
    await expect(page.locator('#diff-summary').isVisible()).resolves.toBe(true);
    const ids = await page.locator('#diff-summary tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-example-id')));
    expect(ids).toEqual(view.diff.map((e) => e.id));
    await expect(visibleCount(page, '#diff-summary tbody tr')).resolves.toBe(view.diff.length);
  });

  it('highlights the deep-review items in the diff summary', async () => {
    const page = await show(html);
    const marked = await page.locator('#diff-summary tr.deep-review').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-example-id')));
    expect(marked).toEqual(view.diff.filter((e) => view.deepReview.items.includes(e.id)).map((e) => e.id));
    const background = await page.locator('#diff-summary tr.deep-review td').first().evaluate((cell) => getComputedStyle(cell).backgroundColor);
    const plain = await page.locator('#diff-summary tr:not(.deep-review) td').first().evaluate((cell) => getComputedStyle(cell).backgroundColor);
    expect(background).not.toBe(plain);
  });

  it('shows the risk tier', async () => {
    const page = await show(html);
    const tier = page.locator('#risk-tier');
    await expect(tier.isVisible()).resolves.toBe(true);
    await expect(tier.innerText()).resolves.toMatch(/\bHIGH\b/);
  });

  it('shows every gate', async () => {
    const page = await show(html);
    const names = await page.locator('[data-gate]').evaluateAll((sections) => sections.map((s) => s.getAttribute('data-gate')));
    expect(names).toEqual(view.gates.map((g) => g.gate));
    await expect(visibleCount(page, '[data-gate]')).resolves.toBe(7);
    await expect(visibleCount(page, '[data-gate="regression"] table.figures tbody tr')).resolves.toBe(view.gates.find((g) => g.gate === 'regression')!.figures.length);
  });

  it('shows markup in a prompt as text and runs no script', async () => {
    const page = await show(html);
    const cell = page.locator('#diff-summary tr[data-example-id="safety-weapons-088"] td').nth(2);
    await expect(cell.innerText()).resolves.toContain('<script>alert("approved")</script>');
    await expect(page.locator('script').count()).resolves.toBe(0);
  });

  it('fits 1280 px without horizontal overflow', async () => {
    const page = await show(html);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(VIEWPORT.width);
    // A cell whose content overflows its box would be clipped or spill over its neighbour.
    const overflowing = await page.locator('td, dd').evaluateAll((cells) => cells.filter((c) => c.scrollWidth > c.clientWidth + 1).length);
    expect(overflowing).toBe(0);
  });

  it('writes a full-page screenshot to docs/approval-review.png', async () => {
    const page = await show(html);
    await saveScreenshot(page, 'approval-review.png');
  });
});

describe('renderAuditHTML in Chromium', () => {
  const report = auditReport();
  const html = renderAuditHTML(report);

  it('shows the review-time plot with one row per approver and the threshold line', async () => {
    const page = await show(html);
    await expect(page.locator('#review-times-plot').isVisible()).resolves.toBe(true);
    const rows = await page.locator('#review-times-plot g.approver-row').evaluateAll((groups) => groups.map((g) => g.getAttribute('data-approver')));
    expect(rows).toEqual(report.approvers.map((a) => a.approver));
    const line = await thresholdLine(page);
    expect(line).toMatchObject({ inside: true, displayed: true });
    expect(line.height).toBeGreaterThan(report.approvers.length * 20);
    const points = report.approvers.reduce((sum, a) => sum + a.reviewSeconds.length, 0);
    await expect(visibleCount(page, '#review-times-plot circle.review-point')).resolves.toBe(points);
    // Too-fast points sit left of the line, the others on or right of it.
    const sides = await page.locator('#review-times-plot circle.review-point').evaluateAll((circles) =>
      circles.map((c) => ({ fast: c.classList.contains('too-fast'), x: c.getBoundingClientRect().left + c.getBoundingClientRect().width / 2 })),
    );
    const fast = report.approvers.flatMap((a) => a.reviewSeconds).filter((s) => s < report.minReviewSeconds).length;
    expect(sides.filter((p) => p.fast)).toHaveLength(fast);
    for (const p of sides) expect(p.x < line.x, JSON.stringify(p)).toBe(p.fast);
  });

  it('shows the break-glass overrides and fits 1280 px', async () => {
    const page = await show(html);
    await expect(page.locator('#break-glass').isVisible()).resolves.toBe(true);
    await expect(page.locator('#break-glass-table tbody tr').count()).resolves.toBe(report.breakGlass.length);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORT.width);
  });

  it('writes a full-page screenshot to docs/approval-audit.png', async () => {
    const page = await show(html);
    await saveScreenshot(page, 'approval-audit.png');
  });

  it('renders with zero approvers', async () => {
    const page = await show(renderAuditHTML({ ...report, approvers: [], breakGlass: [] }));
    await expect(page.locator('#review-times-plot').isVisible()).resolves.toBe(true);
    await expect(page.locator('#review-times-plot g.approver-row').count()).resolves.toBe(0);
    await expect(thresholdLine(page)).resolves.toMatchObject({ inside: true, displayed: true });
    await expect(page.locator('#approver-table').innerText()).resolves.toContain('No approver decided');
  });
});
