import { describe, expect, it } from 'vitest';
import { renderAuditHTML, renderAuditText, renderReviewHTML, renderReviewText } from '../../src/approval/render.ts';
import type { AuditReport, ReviewView } from '../../src/approval/view.ts';
import { auditReport, digest, reviewView } from './views.ts';

const PAYLOAD = `<script>alert(1)</script><img src=x onerror=alert(2)>"'&`;
const SGR = /\x1b\[[0-9;]*m/g;

/** The same data with PAYLOAD appended to every string in it. */
function poisoned<T>(value: T): T {
  if (typeof value === 'string') return `${value}${PAYLOAD}` as T;
  if (Array.isArray(value)) return value.map(poisoned) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poisoned(v)])) as T;
  return value;
}

function stringLeaves(value: unknown): number {
  if (typeof value === 'string') return 1;
  if (value !== null && typeof value === 'object') return Object.values(value).reduce((sum: number, v) => sum + stringLeaves(v), 0);
  return 0;
}

/** The markup of the element whose id is `id` (tables and sections nest no element of their own kind here). */
function element(html: string, tag: string, id: string): string {
  const match = new RegExp(`<${tag}[^>]* id="${id}"[\\s\\S]*?</${tag}>`).exec(html);
  if (!match) throw new Error(`no <${tag} id="${id}">`);
  return match[0];
}

function attributes(html: string, name: string): string[] {
  return [...html.matchAll(new RegExp(`${name}="([^"]*)"`, 'g'))].map((m) => m[1]!);
}

/** The body rows of the table with this id, as their opening tags and cell texts. */
function bodyRows(html: string, id: string): Array<{ tag: string; cells: string[] }> {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(element(html, 'table', id))![1]!;
  return [...body.matchAll(/(<tr[^>]*>)([\s\S]*?)<\/tr>/g)].map((m) => ({
    tag: m[1]!,
    cells: [...m[2]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, '').trim()),
  }));
}

function gateSections(html: string): Map<string, string> {
  return new Map([...html.matchAll(/<section class="card gate" data-gate="([^"]*)"[\s\S]*?<\/section>/g)].map((m) => [m[1]!, m[0]]));
}

const squash = (text: string) => text.replace(/\s+/g, '');

describe('renderReviewHTML', () => {
  describe('when every text field holds markup', () => {
    const view = poisoned(reviewView());
    const html = renderReviewHTML(view);

    it('escapes all of it, in text and in attributes', () => {
      expect(html).not.toMatch(/<script|<img/i);
      expect(html).not.toContain(`"'&`);
      // Each string of the view appears at least once, escaped.
      expect(html.split('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;&amp;').length - 1).toBeGreaterThanOrEqual(stringLeaves(view));
    });

    it('still finds the rows and gates by their escaped ids', () => {
      expect(bodyRows(html, 'diff-summary').map((r) => attributes(r.tag, 'data-example-id')[0])).toHaveLength(view.diff.length);
      expect([...gateSections(html).keys()]).toHaveLength(view.gates.length);
    });
  });

  describe('when the page is rendered', () => {
    const view = reviewView();
    const html = renderReviewHTML(view);

    it('is self-contained: no script, no external resource', () => {
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).not.toMatch(/<script|<link|<iframe|@import|url\(/i);
      expect(attributes(html, 'src')).toEqual([]);
      expect(attributes(html, 'href').every((href) => href.startsWith('#'))).toBe(true);
      expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    });

    it('lets long digests and text wrap instead of widening the page', () => {
      expect(html).toMatch(/table\{[^}]*table-layout:fixed/);
      expect(html).toMatch(/body\{[^}]*overflow-wrap:anywhere/);
      expect(html).toMatch(/code\{[^}]*word-break:break-all/);
    });

    it('gives the same bytes every time and leaves the view as it was', () => {
      expect(renderReviewHTML(view)).toBe(html);
      expect(view).toEqual(reviewView());
    });

    it('shows the request in the header', () => {
      const header = element(html, 'header', 'request');
      for (const text of [view.request.subject, view.request.stage, view.request.deployed!, view.request.requester, view.request.createdAt, view.request.deadline, view.request.id, view.request.bundleDigest]) {
        expect(header).toContain(text);
      }
      expect(header).toMatch(/id="request-state" data-state="pending">pending</);
    });

    it('shows the tier prominently and each factor with its value, tier and source', () => {
      expect(html).toMatch(/<p id="risk-tier" class="tier tone-bad" data-tier="high">Risk tier: HIGH<\/p>/);
      expect(bodyRows(html, 'risk-factors').map((r) => r.cells)).toEqual([
        ['model_bytes', '7241396224', 'medium', 'integrity attestation'],
        ['traffic_share', '1', 'high', 'policy data for stage production'],
        ['reversible', 'true', 'low', 'requester&#39;s risk file'],
        ['sensitive_use', 'false', 'low', 'requester&#39;s risk file'],
      ]);
    });

    it('lists the checklist in order and the required approvals with roles, counts and members', () => {
      const checklist = element(html, 'ol', 'checklist');
      expect([...checklist.matchAll(/<li[^>]*>([\s\S]*?)<\/li>/g)].map((m) => m[1])).toHaveLength(view.checklist.length);
      expect(checklist.indexOf('worse at math')).toBeLessThan(checklist.indexOf('deep-review example'));
      expect(html).toContain('data-approvals="2"');
      expect(bodyRows(html, 'required-roles').map((r) => r.cells)).toEqual([
        ['ml-lead', '1', 'amara.nwosu, li.wei'],
        ['security', '1', 'sam.ortiz, priya.raman, jonas.berg'],
      ]);
      expect(html).toMatch(/id="escalation-roles"[^\n]*head-of-ml/);
    });

    it('shows every gate with its verdict, signer, attestation, figures, reasons and reports', () => {
      const sections = gateSections(html);
      expect([...sections.keys()]).toEqual(view.gates.map((g) => g.gate));
      for (const g of view.gates) {
        const section = sections.get(g.gate)!;
        expect(section).toContain(`data-verdict="${g.verdict}"`);
        expect(section).toContain(g.signer);
        expect(section).toContain(g.attestation);
        expect(section.match(/<table class="figures">[\s\S]*?<\/table>/)?.[0].match(/<tr>/g)?.length ?? 0, g.gate).toBe(g.figures.length === 0 ? 0 : g.figures.length + 1);
        for (const f of g.figures) {
          expect(section).toContain(f.value);
          if (f.interval) expect(section).toContain(f.interval);
        }
        for (const reason of g.reasons) expect(section).toContain(reason);
        for (const report of g.reports) expect(section).toContain(report.digest);
      }
    });

    it('keeps the diff in the order given, with candidate and deployed side by side', () => {
      const rows = bodyRows(html, 'diff-summary');
      expect(rows.map((r) => attributes(r.tag, 'data-example-id')[0])).toEqual(view.diff.map((e) => e.id));
      const first = view.diff[0]!;
      expect(rows[0]!.cells).toEqual([first.id, first.source, first.input, first.candidate, first.deployed, '-1', first.note]);
      expect(rows.map((r) => r.cells[5])).toEqual(['-1', '-1', '-1', '+1', '+1', '+1', '-0.5', '+0.5', '+0.34', '-0.25', '+0.2', '-0.1']);
    });

    it('marks exactly the deep-review items in the diff and lists them to judge one by one', () => {
      const marked = bodyRows(html, 'diff-summary').filter((r) => r.tag.includes('class="deep-review"'));
      expect(marked.map((r) => attributes(r.tag, 'data-example-id')[0])).toEqual(['math-1203', 'safety-benign-310', 'reading-0934']);
      const section = element(html, 'section', 'deep-review');
      expect(section).toContain('data-selected="true"');
      expect(section).toContain('0.0371');
      expect(section).toContain('0.05');
      // Each item links to its own row of the diff summary.
      expect(attributes(element(html, 'ol', 'deep-review-items'), 'href')).toEqual(['#diff-row-3', '#diff-row-6', '#diff-row-10']);
      expect(bodyRows(html, 'diff-summary')[2]!.tag).toContain('id="diff-row-3"');
    });

    it('shows the decisions so far', () => {
      expect(bodyRows(html, 'decision-table').map((r) => r.cells.slice(0, 3))).toEqual([['li.wei', 'approve', '2026-11-24T11:40:19Z']]);
    });
  });

  describe('when no deep review is drawn', () => {
    // Items left over from a draw that did not select the request must not be marked.
    const view: ReviewView = { ...reviewView(), deepReview: { draw: 0.61, rate: 0.05, selected: false, items: ['math-1203'] } };
    const html = renderReviewHTML(view);

    it('marks no row and says so', () => {
      expect(html).not.toContain('class="deep-review"');
      expect(element(html, 'section', 'deep-review')).toContain('data-selected="false"');
      expect(html).toContain('Not selected');
      expect(html).not.toContain('id="deep-review-items"');
    });
  });

  describe('when the recorded draw and the items disagree with the diff', () => {
    const view: ReviewView = { ...reviewView(), deepReview: { draw: 0.2, rate: 0.05, selected: true, items: ['math-1203', 'gone-404'] } };
    const html = renderReviewHTML(view);

    it('flags the item missing from the diff and the selection that does not follow from the draw', () => {
      expect(element(html, 'ol', 'deep-review-items')).toMatch(/data-example-id="gone-404"[^\n]*not in the diff summary/);
      expect(html).toContain('does not agree with draw &lt; rate');
    });
  });

  describe('when the stage has no deployed model, and nobody has decided', () => {
    const base = reviewView();
    const html = renderReviewHTML({ ...base, request: { ...base.request, deployed: null }, decisions: [], diff: [] });

    it('says so instead of leaving blanks', () => {
      expect(element(html, 'header', 'request')).toContain('none: first promotion to this stage');
      expect(bodyRows(html, 'decision-table')[0]!.cells).toEqual(['No approver has decided yet.']);
      expect(bodyRows(html, 'diff-summary')[0]!.cells).toEqual(['No example changed outcome.']);
    });
  });
});

describe('renderReviewText', () => {
  const view = reviewView();

  describe('when a width is given', () => {
    it.each([40, 57, 100])('keeps every line within %i columns and drops no character of a digest', (width) => {
      const text = renderReviewText(view, { width });
      for (const line of text.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(width);
      for (const g of view.gates) expect(squash(text)).toContain(g.attestation);
      for (const e of view.diff) expect(squash(text)).toContain(squash(e.input));
    });

    it('wraps to 100 columns by default, and to no fewer than 40', () => {
      const lines = renderReviewText(view).split('\n');
      expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(100);
      expect(Math.max(...lines.map((line) => line.length))).toBeGreaterThan(80);
      expect(renderReviewText(view, { width: 10 })).toBe(renderReviewText(view, { width: 40 }));
    });
  });

  describe('when colour is off or on', () => {
    it('writes ANSI codes only when asked, and they do not count towards the width', () => {
      expect(renderReviewText(view, { width: 60 })).not.toContain('\x1b');
      const colored = renderReviewText(view, { width: 60, color: true });
      expect(colored).toMatch(SGR);
      expect(colored.replace(SGR, '')).toBe(renderReviewText(view, { width: 60 }));
    });
  });

  describe('when a view text holds terminal control sequences', () => {
    const base = reviewView();
    const hostile = `clear\x1b[2J\x1b]0;title\x07 back\roverwrite \u202etxt.exe`;
    const text = renderReviewText({ ...base, diff: [{ ...base.diff[0]!, input: hostile }], checklist: [hostile] }, { color: true });

    it('shows them as escapes instead of passing them to the terminal', () => {
      expect(text.replace(SGR, '')).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\u202e]/);
      expect(text).toContain('clear\\u001b[2J\\u001b]0;title\\u0007 back\\u000doverwrite \\u202etxt.exe');
    });
  });

  describe('when no deep review is drawn', () => {
    it('marks no example, even with items left over from the draw', () => {
      const text = renderReviewText({ ...view, deepReview: { draw: 0.61, rate: 0.05, selected: false, items: ['math-1203'] } });
      expect(text).not.toContain('[DEEP REVIEW]');
      expect(text).toContain('Not selected: the draw 0.61 is not below the rate 0.05');
    });
  });

  describe('when the diff has deep-review items', () => {
    const text = renderReviewText(view);

    it('keeps the diff order and marks exactly the items', () => {
      const headings = [...text.matchAll(/^#(\d+) (\S+) /gm)].map((m) => m[2]);
      expect(headings).toEqual(view.diff.map((e) => e.id));
      expect([...text.matchAll(/^#\d+ (\S+) .*\[DEEP REVIEW\]$/gm)].map((m) => m[1])).toEqual(['math-1203', 'safety-benign-310', 'reading-0934']);
    });

    it('shows candidate and deployed side by side', () => {
      expect(text).toMatch(/^ {2}candidate +\| deployed$/m);
      expect(text).toMatch(/^ {2}exact_match 0, accuracy 0 +\| exact_match 1, accuracy 1$/m);
    });

    it('shows the tier, every gate and the required approvals', () => {
      expect(text).toContain('Risk tier: HIGH');
      for (const g of view.gates) expect(text).toContain(`[${g.verdict.toUpperCase()}] ${g.gate}`);
      expect(text).toContain('ml-lead: 1 approval from amara.nwosu, li.wei');
      expect(text).toContain('Once overdue, also: head-of-ml');
    });
  });
});

describe('renderAuditHTML', () => {
  /** The plot's rows, points and threshold position, read back from the SVG. */
  function plot(html: string) {
    const svg = element(html, 'svg', 'review-times-plot');
    const rows = [...svg.matchAll(/<g class="approver-row" data-approver="([^"]*)" data-points="(\d+)">([\s\S]*?)<\/g>/g)].map((m) => ({
      approver: m[1]!,
      points: [...m[3]!.matchAll(/<circle class="review-point( too-fast)?" cx="([\d.]+)"/g)].map((p) => ({ fast: p[1] !== undefined, x: Number(p[2]) })),
      body: m[3]!,
    }));
    const line = /<line id="min-review-line" data-seconds="([\d.]+)" x1="([\d.]+)" y1="[\d.]+" x2="([\d.]+)"/.exec(svg);
    return { svg, rows, line: line ? { seconds: Number(line[1]), x: Number(line[2]), x2: Number(line[3]) } : undefined };
  }

  describe('when approvers have decided', () => {
    const report = auditReport();
    const html = renderAuditHTML(report);
    const { rows, line, svg } = plot(html);

    it('plots one row per approver, in order, with one point per review time', () => {
      expect(rows.map((r) => r.approver)).toEqual(report.approvers.map((a) => a.approver));
      expect(rows.map((r) => r.points.length)).toEqual(report.approvers.map((a) => a.reviewSeconds.length));
      expect(rows[3]!.body).toContain('no decisions');
    });

    it('draws the threshold line at the minimum, with too-fast points left of it', () => {
      expect(line).toEqual({ seconds: 120, x: line!.x, x2: line!.x });
      for (const [i, a] of report.approvers.entries()) {
        expect(rows[i]!.points.map((p) => p.fast)).toEqual(a.reviewSeconds.map((s) => s < report.minReviewSeconds));
        for (const p of rows[i]!.points) expect(p.x < line!.x).toBe(p.fast);
      }
      // Log scale: 120 s lies log10(2) of the way from the 1 min tick to the 10 min tick.
      const tick = (label: string) => Number(new RegExp(`<text x="([\\d.]+)"[^>]*>${label}</text>`).exec(svg)![1]);
      expect(line!.x - tick('1 min')).toBeCloseTo(((tick('10 min') - tick('1 min')) * Math.log10(2)), 0);
    });

    it('lists each approver with rate, median, fast share and findings', () => {
      expect(bodyRows(html, 'approver-table').map((r) => r.cells)).toEqual([
        ['li.wei', '6', '5', '1', '83.3%', '45 min 12 s', '0%', '9 items, 2 concerns'],
        ['sam.ortiz', '5', '5', '0', '100%', '41 s', '80%', '3 items, 0 concerns'],
        ['amara.nwosu', '3', '2', '1', '66.7%', '1 d', '0%', '6 items, 1 concern'],
        ['priya.raman', '0', '0', '0', 'none', 'none', 'none', '0 items, 0 concerns'],
      ]);
      expect(bodyRows(html, 'request-totals-table')[0]!.cells).toEqual(['11', '2', '7', '1', '1', '3']);
    });

    it('shows break-glass overrides prominently', () => {
      expect(html).toMatch(/<section class="card alert" id="break-glass" data-count="1">/);
      expect(bodyRows(html, 'break-glass-table')[0]!.cells).toContain(digest('hotfix model'));
      expect(html.indexOf('id="break-glass"')).toBeLessThan(html.indexOf('id="approvers"'));
    });
  });

  describe('when there are no approvers and no overrides', () => {
    const report: AuditReport = { ...auditReport(), approvers: [], breakGlass: [] };
    const html = renderAuditHTML(report);

    it('still draws the plot with the threshold line and no rows', () => {
      const { rows, line, svg } = plot(html);
      expect(rows).toEqual([]);
      expect(line?.seconds).toBe(120);
      expect(svg).toContain('No approver decided in this period.');
      expect(html).not.toMatch(/NaN|Infinity/);
      expect(html).not.toContain('class="card alert"');
    });
  });

  describe('when review times are zero, equal or under a second', () => {
    it.each([
      { name: 'zero and sub-second times', seconds: [0, 0.4, 0.9], min: 30, from: '1 s' },
      { name: 'all times equal to the minimum', seconds: [30, 30], min: 30, from: '30 s' },
      { name: 'a minimum of zero', seconds: [5, 50], min: 0, from: '5 s' },
      { name: 'nothing above zero', seconds: [0], min: 0, from: '1 s' },
    ])('gives finite coordinates for $name, on an axis from $from', ({ seconds, min, from }) => {
      const report: AuditReport = { ...auditReport(), minReviewSeconds: min, approvers: [{ ...auditReport().approvers[0]!, reviewSeconds: seconds }] };
      const { rows, line, svg } = plot(renderAuditHTML(report));
      expect(svg).not.toMatch(/NaN|Infinity/);
      expect(/<text x="[\d.]+" y="[\d.]+" text-anchor="middle" font-size="12" fill="#4a525b">([^<]*)<\/text>/.exec(svg)?.[1]).toBe(from);
      expect(rows[0]!.points.map((p) => p.fast)).toEqual(seconds.map((s) => s < min));
      for (const p of rows[0]!.points) expect(p.x < line!.x).toBe(p.fast);
    });
  });

  describe('when an approver name holds markup', () => {
    it('escapes it in the table and in the plot', () => {
      const html = renderAuditHTML(poisoned(auditReport()));
      expect(html).not.toMatch(/<script|<img/i);
      expect(html).not.toContain(`"'&`);
    });
  });
});

describe('renderAuditText', () => {
  describe('when approvers have decided', () => {
    const text = renderAuditText(auditReport());

    it('aligns the approvers in a table and lists the overrides first', () => {
      const table = text.split('\n').filter((line) => /^(approver|li\.wei|sam\.ortiz|amara\.nwosu|priya\.raman) /.test(line));
      expect(table).toHaveLength(5);
      expect(new Set(table.map((line) => line.indexOf(line.split(/ {2,}/)[4]!)))).toHaveProperty('size', 1);
      expect(table[2]).toMatch(/^sam\.ortiz +5 +5 +0 +100% +41 s +80% +3 items, 0 concerns$/);
      expect(text.indexOf('BREAK-GLASS OVERRIDES (1)')).toBeLessThan(text.indexOf('APPROVERS (4)'));
      expect(text).toContain(digest('break-glass bundle'));
      for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    });
  });

  describe('when there are no approvers', () => {
    it('says so', () => {
      const text = renderAuditText({ ...auditReport(), approvers: [], breakGlass: [] });
      expect(text).toContain('No approver decided in this period.');
      expect(text).toContain('BREAK-GLASS OVERRIDES (0)\n-------------------------\nNone.');
    });
  });
});
