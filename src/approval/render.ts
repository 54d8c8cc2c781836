/**
 * Renders what approvers and auditors are shown: the review page of one
 * approval request and the audit of every approver, as self-contained HTML
 * and as terminal text. It draws only from the plain data in view.ts.
 *
 * Pure and deterministic (no clock, no locale, no randomness), so the same
 * view always gives the same bytes and a page can be compared or
 * screenshotted. Every string from a view is untrusted: requests, prompts
 * and model responses are written by people and models the approver should
 * not have to trust, so HTML output escapes all of it and text output
 * neutralises terminal control characters.
 */
import type { ApproverAudit, AuditReport, DiffExample, ReviewGate, ReviewView } from './view.ts';

/** How terminal text is laid out. */
export interface TextRenderOptions {
  /** Columns per line (at least 40, so that indented blocks still have room); default 100. */
  width?: number;
  /** ANSI bold and colours; default false. */
  color?: boolean;
}

/** The self-contained HTML review page of one approval request. */
export function renderReviewHTML(view: ReviewView): string {
  const r = view.request;
  const body = [
    `<header class="card" id="request">
<h1>Approval review <span class="badge tone-${tone(r.state)}" id="request-state" data-state="${esc(r.state)}">${esc(r.state)}</span></h1>
${facts([
  ['Subject', code(r.subject)],
  ['Stage', esc(r.stage)],
  ['Deployed model', r.deployed === null ? '<span class="muted">none: first promotion to this stage</span>' : code(r.deployed)],
  ['Requester', esc(r.requester)],
  ['Created', esc(r.createdAt)],
  ['Deadline', esc(r.deadline)],
  ['Request', code(r.id)],
  ['Request bundle', code(r.bundleDigest)],
])}
</header>`,
    riskHTML(view),
    checklistHTML(view),
    requiredHTML(view),
    `<div id="gates">
<h2 class="section-title">Gates (${view.gates.length})</h2>
${view.gates.map(gateHTML).join('\n')}
</div>`,
    diffHTML(view),
    deepReviewHTML(view),
    decisionsHTML(view),
  ];
  return page(`Approval review: ${r.stage}, ${view.risk.tier} risk`, body.join('\n'));
}

/** The review page of one approval request as terminal text, wrapped to the width. */
export function renderReviewText(view: ReviewView, options: TextRenderOptions = {}): string {
  const out = new TextWriter(options);
  const r = view.request;
  out.line(`APPROVAL REVIEW  ${r.stage}`, 'bold');
  out.line(`State: ${r.state.toUpperCase()}`, tone(r.state));
  out.field('Subject', r.subject);
  out.field('Stage', r.stage);
  out.field('Deployed model', r.deployed ?? 'none: first promotion to this stage');
  out.field('Requester', r.requester);
  out.field('Created', r.createdAt);
  out.field('Deadline', r.deadline);
  out.field('Request', r.id);
  out.field('Request bundle', r.bundleDigest);

  out.heading('Risk assessment');
  out.line(`Risk tier: ${view.risk.tier.toUpperCase()}`, tone(view.risk.tier));
  for (const f of view.risk.factors) out.item(`${f.name} = ${String(f.value)}: ${f.tier} (source: ${f.source})`, tone(f.tier));

  out.heading('What you are asked to check');
  view.checklist.forEach((check, i) => out.item(check, undefined, `${i + 1}.`));

  out.heading('Required approvals');
  out.line(requiredSentence(view));
  for (const role of view.required.roles) out.item(`${role.role}: ${plural(role.count, 'approval')} from ${role.members.join(', ') || 'nobody (the role has no members)'}`);
  out.line(`Once overdue, also: ${view.required.escalationRoles.join(', ') || 'no escalation roles'}`);

  out.heading(`Gates (${view.gates.length})`);
  for (const g of view.gates) {
    out.line(`[${g.verdict.toUpperCase()}] ${g.gate}`, tone(g.verdict));
    out.field('signer', g.signer, 2);
    out.field('evaluated', g.evaluatedAt, 2);
    out.field('attestation', g.attestation, 2);
    if (g.figures.length > 0) out.line('figures:', undefined, 2);
    for (const f of g.figures) out.item(`${f.name} = ${f.value}${f.interval ? ` ${f.interval}` : ''}${f.verdict ? `: ${f.verdict}` : ''}`, f.verdict ? tone(f.verdict) : undefined, '-', 4);
    if (g.reasons.length > 0) out.line('reasons:', undefined, 2);
    for (const reason of g.reasons) out.item(reason, undefined, '-', 4);
    if (g.reports.length > 0) out.line('reports:', undefined, 2);
    for (const report of g.reports) out.item(`${report.role}${report.name ? ` (${report.name})` : ''}: ${report.digest}`, undefined, '-', 4);
    out.blank();
  }

  const deep = new Set(view.deepReview.selected ? view.deepReview.items : []);
  out.heading(`Diff summary (${plural(view.diff.length, 'example')}, most changed first)`);
  out.line('change: how much the outcome moved; negative is worse for the candidate.');
  if (view.diff.length === 0) out.line('No example changed outcome.');
  view.diff.forEach((e, i) => {
    out.blank();
    const mark = deep.has(e.id) ? '  [DEEP REVIEW]' : '';
    out.line(`#${i + 1} ${e.id}  ${e.source}  change ${signed(e.change)}${mark}`, deep.has(e.id) ? 'warn' : 'bold');
    if (e.note) out.field('note', e.note, 2);
    out.field('input', e.input, 2);
    out.columns('candidate', 'deployed', 2, 'bold');
    out.columns(e.candidate, e.deployed, 2);
  });

  out.heading('Deep review');
  out.line(drawSentence(view));
  if (drawMismatch(view)) out.line(DRAW_MISMATCH, 'bad');
  if (view.deepReview.selected) {
    out.line('Judge each of these examples one by one (marked [DEEP REVIEW] in the diff summary):');
    for (const item of view.deepReview.items) {
      const at = view.diff.findIndex((e) => e.id === item);
      out.item(at >= 0 ? `${item} (#${at + 1} in the diff summary)` : `${item} (not in the diff summary)`, at >= 0 ? 'warn' : 'bad');
    }
  }

  out.heading(`Decisions so far (${view.decisions.length})`);
  if (view.decisions.length === 0) out.line('No approver has decided yet.');
  for (const d of view.decisions) {
    out.item(`${d.decision.toUpperCase()} by ${d.approver} at ${d.at}`, tone(d.decision));
    out.field('justification', d.justification, 4);
  }
  return out.toString();
}

/** The self-contained HTML audit of every approver, with a plot of review times. */
export function renderAuditHTML(report: AuditReport): string {
  const q = report.requests;
  const body = [
    `<header class="card" id="audit">
<h1>Approval audit</h1>
${facts([
  ['Generated', esc(report.generatedAt)],
  ['Statements', report.since === null ? 'all on record' : `from ${esc(report.since)} on`],
  ['Minimum plausible review time', esc(duration(report.minReviewSeconds))],
])}
</header>`,
    breakGlassHTML(report),
    `<section class="card" id="request-totals">
<h2>Requests</h2>
${table(
  ['Total', 'Pending', 'Approved', 'Rejected', 'Overdue', 'Deep reviews'].map((head): [string, string] => [head, '16.66%']),
  [[q.total, q.pending, q.approved, q.rejected, q.overdue, q.deepReviews].map(String)],
  (cells) => cells,
  { id: 'request-totals-table' },
)}
</section>`,
    approversHTML(report),
    `<section class="card" id="review-times">
<h2>Review times per approver</h2>
<p class="muted">Each point is one decision, from request to decision, on a log scale. Points left of the dashed line came faster than the plausible minimum of ${esc(duration(report.minReviewSeconds))}.</p>
${reviewTimesSVG(report)}
</section>`,
  ];
  return page('Approval audit', body.join('\n'));
}

/** The audit of every approver as terminal text. */
export function renderAuditText(report: AuditReport, options: TextRenderOptions = {}): string {
  const out = new TextWriter(options);
  out.line('APPROVAL AUDIT', 'bold');
  out.field('Generated', report.generatedAt);
  out.field('Statements', report.since === null ? 'all on record' : `from ${report.since} on`);
  out.field('Minimum plausible review time', duration(report.minReviewSeconds));

  out.heading(`Break-glass overrides (${report.breakGlass.length})`);
  if (report.breakGlass.length === 0) out.line('None.');
  else out.line('Emergency overrides: each promoted a model without the approvals its stage requires.', 'bad');
  for (const b of report.breakGlass) {
    out.item(`${b.at}: ${b.signer} promoted ${b.subject} to ${b.stage}`, 'bad', '!');
    out.field('reason', b.reason, 4);
    out.field('bundle', b.bundleDigest, 4);
  }

  const q = report.requests;
  out.heading('Requests');
  out.line(`total ${q.total}, pending ${q.pending}, approved ${q.approved}, rejected ${q.rejected}, overdue ${q.overdue}, deep reviews ${q.deepReviews}`);

  out.heading(`Approvers (${report.approvers.length})`);
  if (report.approvers.length === 0) out.line('No approver decided in this period.');
  const header = ['approver', 'decisions', 'approved', 'rejected', 'approve %', 'median', 'too fast', 'findings'];
  const rows = report.approvers.map(approverCells);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => textWidth(row[c]!))));
  if (rows.length > 0 && widths.reduce((a, b) => a + b + 2, -2) <= out.width) {
    const format = (cells: string[]) => cells.map((cell, c) => cell + ' '.repeat(widths[c]! - textWidth(cell))).join('  ');
    out.preformatted([format(header)], 'bold');
    out.preformatted(rows.map(format));
  } else {
    // Too wide for a table (long approver names): one block per approver.
    for (const row of rows) {
      out.line(row[0]!, 'bold');
      header.slice(1).forEach((h, c) => out.field(h, row[c + 1]!, 2));
    }
  }
  out.line(`median: from request to decision. too fast: the share of decisions made in under ${duration(report.minReviewSeconds)}.`);
  return out.toString();
}

// ---------------------------------------------------------------- review HTML

function riskHTML(view: ReviewView): string {
  const tier = view.risk.tier;
  return `<section class="card" id="risk">
<h2>Risk assessment</h2>
<p id="risk-tier" class="tier tone-${tone(tier)}" data-tier="${esc(tier)}">Risk tier: ${esc(tier.toUpperCase())}</p>
<p class="muted">The request's tier is the highest tier any factor reaches.</p>
${table(
  [['Factor', '22%'], ['Value', '18%'], ['Tier', '12%'], ['Source', '48%']],
  view.risk.factors,
  (f) => [esc(f.name), code(String(f.value)), badge(f.tier), esc(f.source)],
  { id: 'risk-factors', row: (f) => `data-factor="${esc(f.name)}"` },
)}
</section>`;
}

function checklistHTML(view: ReviewView): string {
  const items = view.checklist.map((check) => `<li class="text">${esc(check)}</li>`).join('\n');
  return `<section class="card" id="checklist-section">
<h2>What you are asked to check</h2>
${view.checklist.length === 0 ? '<p class="muted">Nothing beyond the evidence below.</p>' : `<ol id="checklist">\n${items}\n</ol>`}
</section>`;
}

function requiredHTML(view: ReviewView): string {
  const escalation = view.required.escalationRoles;
  return `<section class="card" id="required-approvals" data-approvals="${view.required.approvals}">
<h2>Required approvals</h2>
<p><strong>${esc(requiredSentence(view))}</strong></p>
${table(
  [['Role', '22%'], ['Approvals', '12%'], ['Members', '66%']],
  view.required.roles,
  (role) => [esc(role.role), String(role.count), role.members.length === 0 ? '<span class="muted">no members</span>' : role.members.map(esc).join(', ')],
  { id: 'required-roles', row: (role) => `data-role="${esc(role.role)}"` },
)}
<p id="escalation-roles">Once the request is overdue, these roles may approve too: ${escalation.length === 0 ? '<span class="muted">none</span>' : escalation.map((role) => `<strong>${esc(role)}</strong>`).join(', ')}</p>
</section>`;
}

function gateHTML(g: ReviewGate): string {
  const figures = g.figures.length === 0
    ? '<p class="muted">No figures.</p>'
    : table(
        [['Figure', '30%'], ['Value', '20%'], ['Interval', '30%'], ['Verdict', '20%']],
        g.figures,
        (f) => [esc(f.name), code(f.value), f.interval ? code(f.interval) : '<span class="muted">none</span>', f.verdict ? badge(f.verdict) : '<span class="muted">none</span>'],
        { className: 'figures' },
      );
  const reasons = g.reasons.length === 0
    ? '<p class="muted">No reasons given.</p>'
    : `<ul class="reasons">\n${g.reasons.map((reason) => `<li class="text">${esc(reason)}</li>`).join('\n')}\n</ul>`;
  const reports = g.reports.length === 0
    ? '<p class="muted">No reports named.</p>'
    : table([['Role', '20%'], ['Name', '25%'], ['Digest', '55%']], g.reports, (r) => [esc(r.role), r.name ? esc(r.name) : '<span class="muted">none</span>', code(r.digest)], { className: 'reports' });
  return `<section class="card gate" data-gate="${esc(g.gate)}" data-verdict="${esc(g.verdict)}">
<h3>${esc(g.gate)} ${badge(g.verdict, 'class="verdict"')}</h3>
${facts([['Signer', esc(g.signer)], ['Evaluated', esc(g.evaluatedAt)], ['Attestation', code(g.attestation)]])}
<h4>Figures</h4>
${figures}
<h4>Reasons</h4>
${reasons}
<h4>Reports</h4>
${reports}
</section>`;
}

function diffHTML(view: ReviewView): string {
  const deep = new Set(view.deepReview.selected ? view.deepReview.items : []);
  const rows = view.diff.map((e, i) => ({ e, i, deep: deep.has(e.id) }));
  return `<section class="card" id="diff">
<h2>Diff summary: candidate against deployed</h2>
<p class="muted">${plural(view.diff.length, 'example')} whose outcome changed, most changed first. Change is how much the outcome moved; negative is worse for the candidate.${deep.size > 0 ? ' Highlighted rows are drawn for deep review.' : ''}</p>
${table(
  [['Example', '11%'], ['Source', '9%'], ['Input', '24%'], ['Candidate', '20%'], ['Deployed', '20%'], ['Change', '7%'], ['Note', '9%']],
  rows,
  ({ e, deep: marked }) => [
    `${code(e.id)}${marked ? ' <span class="badge tone-warn deep-mark">deep review</span>' : ''}`,
    esc(e.source),
    `<div class="text">${esc(e.input)}</div>`,
    `<div class="text">${esc(e.candidate)}</div>`,
    `<div class="text">${esc(e.deployed)}</div>`,
    `<span class="${e.change < 0 ? 'change-worse' : e.change > 0 ? 'change-better' : ''}">${esc(signed(e.change))}</span>`,
    e.note ? esc(e.note) : '',
  ],
  {
    id: 'diff-summary',
    empty: 'No example changed outcome.',
    row: ({ e, i, deep: marked }) => `id="diff-row-${i + 1}" data-example-id="${esc(e.id)}"${marked ? ' class="deep-review" data-deep-review="true"' : ''}`,
  },
)}
</section>`;
}

function deepReviewHTML(view: ReviewView): string {
  const d = view.deepReview;
  const items = d.items.map((item) => {
    const at = view.diff.findIndex((e) => e.id === item);
    const example: DiffExample | undefined = view.diff[at];
    return example === undefined
      ? `<li data-example-id="${esc(item)}">${code(item)} <span class="badge tone-bad">not in the diff summary</span></li>`
      : `<li data-example-id="${esc(item)}"><a href="#diff-row-${at + 1}">${code(item)}</a> (#${at + 1}, ${esc(example.source)}): <span class="text">${esc(excerpt(example.input, 160))}</span></li>`;
  });
  return `<section class="card" id="deep-review" data-selected="${d.selected}">
<h2>Deep review</h2>
<p id="deep-review-draw">${esc(drawSentence(view))}</p>
${drawMismatch(view) ? `<p class="badge tone-bad">${esc(DRAW_MISMATCH)}</p>` : ''}
${d.selected ? `<p><strong>Judge each of these examples one by one</strong>; they are highlighted in the diff summary.</p>\n<ol id="deep-review-items">\n${items.join('\n')}\n</ol>` : ''}
</section>`;
}

function decisionsHTML(view: ReviewView): string {
  return `<section class="card" id="decisions">
<h2>Decisions so far (${view.decisions.length})</h2>
${table(
  [['Approver', '22%'], ['Decision', '12%'], ['At', '20%'], ['Justification', '46%']],
  view.decisions,
  (d) => [esc(d.approver), badge(d.decision), esc(d.at), `<div class="text">${esc(d.justification)}</div>`],
  { id: 'decision-table', empty: 'No approver has decided yet.', row: (d) => `data-approver="${esc(d.approver)}"` },
)}
</section>`;
}

// ----------------------------------------------------------------- audit HTML

function breakGlassHTML(report: AuditReport): string {
  const list = report.breakGlass;
  return `<section class="card${list.length > 0 ? ' alert' : ''}" id="break-glass" data-count="${list.length}">
<h2>Break-glass overrides (${list.length})</h2>
${list.length === 0
    ? '<p class="muted">None: every promotion went through its approvals.</p>'
    : `<p><strong>Emergency overrides: each promoted a model without the approvals its stage requires.</strong> Newest first.</p>
${table(
  [['At', '15%'], ['Signer', '15%'], ['Subject', '22%'], ['Stage', '10%'], ['Reason', '20%'], ['Bundle', '18%']],
  list,
  (b) => [esc(b.at), esc(b.signer), code(b.subject), esc(b.stage), `<div class="text">${esc(b.reason)}</div>`, code(b.bundleDigest)],
  { id: 'break-glass-table' },
)}`}
</section>`;
}

function approversHTML(report: AuditReport): string {
  return `<section class="card" id="approvers">
<h2>Approvers (${report.approvers.length})</h2>
${table(
  [['Approver', '20%'], ['Decisions', '10%'], ['Approvals', '10%'], ['Rejections', '10%'], ['Approve rate', '10%'], ['Median review', '12%'], ['Faster than minimum', '13%'], ['Findings', '15%']],
  report.approvers,
  (a) => {
    const cells = approverCells(a).map(esc);
    if ((a.fastShare ?? 0) > 0) cells[6] = `<span class="change-worse">${cells[6]}</span>`;
    return cells;
  },
  { id: 'approver-table', empty: 'No approver decided in this period.', row: (a) => `data-approver="${esc(a.approver)}"` },
)}
</section>`;
}

/** One approver's row, as text, for both the HTML table and the terminal. */
function approverCells(a: ApproverAudit): string[] {
  return [
    a.approver,
    String(a.decisions),
    String(a.approvals),
    String(a.rejections),
    a.approveRate === null ? 'none' : percent(a.approveRate),
    a.medianReviewSeconds === null ? 'none' : duration(a.medianReviewSeconds),
    a.fastShare === null ? 'none' : percent(a.fastShare),
    `${plural(a.findings.items, 'item')}, ${plural(a.findings.concerns, 'concern')}`,
  ];
}

// Review-time plot geometry, in SVG user units (the SVG scales to its box).
const PLOT = { width: 1000, left: 190, right: 30, top: 56, row: 30, bottom: 52 } as const;
// Axis ticks that read as durations; the domain snaps outwards to them.
const TICKS = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800, 2_592_000, 31_536_000];

function reviewTimesSVG(report: AuditReport): string {
  const min = report.minReviewSeconds;
  const all = report.approvers.flatMap((a) => a.reviewSeconds);
  const positive = [...all, min].filter((s) => s > 0);
  // A log scale has no zero: times under a second are drawn at the left edge, with the true value in the tooltip.
  const low = positive.reduce((a, b) => Math.min(a, b), Infinity);
  const high = positive.reduce((a, b) => Math.max(a, b), 1);
  const lo = [...TICKS].reverse().find((t) => t <= low && t <= high) ?? 1;
  let hi = TICKS.find((t) => t >= high) ?? high;
  if (hi <= lo) hi = TICKS.find((t) => t > lo) ?? lo * 10;
  const plotWidth = PLOT.width - PLOT.left - PLOT.right;
  const x = (s: number) => PLOT.left + ((Math.log(Math.min(Math.max(s, lo), hi)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * plotWidth;
  const rows = Math.max(report.approvers.length, 1);
  const bottom = PLOT.top + rows * PLOT.row;
  const height = bottom + PLOT.bottom;
  let ticks = TICKS.filter((t) => t >= lo && t <= hi);
  if (ticks.length > 9) ticks = ticks.filter((_, i) => i % Math.ceil(ticks.length / 9) === 0);

  const axis = ticks.map((t) => `<line x1="${n(x(t))}" y1="${PLOT.top}" x2="${n(x(t))}" y2="${bottom}" stroke="#e3e6ea"/>
<text x="${n(x(t))}" y="${bottom + 18}" text-anchor="middle" font-size="12" fill="#4a525b">${esc(duration(t))}</text>`);
  const threshold = x(min);
  const rowsSVG = report.approvers.map((a, i) => {
    const y = PLOT.top + i * PLOT.row + PLOT.row / 2;
    const points = a.reviewSeconds.map((s, j) => {
      const fast = s < min;
      // A fixed vertical offset per point keeps repeated times apart without randomness.
      const dy = ((j * 5) % 7) - 3;
      return `<circle class="review-point${fast ? ' too-fast' : ''}" cx="${n(x(s))}" cy="${n(y + dy * 2)}" r="4.5" fill="${fast ? '#c62828' : '#1f5fbf'}" fill-opacity="0.7"><title>${esc(`${a.approver}: ${duration(s)}${fast ? ` (faster than the ${duration(min)} minimum)` : ''}`)}</title></circle>`;
    });
    return `<g class="approver-row" data-approver="${esc(a.approver)}" data-points="${a.reviewSeconds.length}">
<line x1="${PLOT.left}" y1="${y}" x2="${PLOT.width - PLOT.right}" y2="${y}" stroke="#eef0f3"/>
<text x="${PLOT.left - 10}" y="${y + 4}" text-anchor="end" font-size="13" fill="#1b1f24"><title>${esc(a.approver)}</title>${esc(excerpt(a.approver, 24))}</text>
${points.length === 0 ? `<text x="${PLOT.left + 8}" y="${y + 4}" font-size="12" fill="#5f6b76">no decisions</text>` : points.join('\n')}
</g>`;
  });
  const empty = report.approvers.length === 0
    ? `<text x="${PLOT.left + plotWidth / 2}" y="${PLOT.top + PLOT.row / 2 + 4}" text-anchor="middle" font-size="13" fill="#5f6b76">No approver decided in this period.</text>`
    : '';
  return `<svg id="review-times-plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${PLOT.width} ${height}" width="100%" role="img" aria-label="Review times per approver, log scale" font-family="system-ui, sans-serif" data-rows="${report.approvers.length}">
<rect id="too-fast-zone" x="${PLOT.left}" y="${PLOT.top}" width="${n(threshold - PLOT.left)}" height="${bottom - PLOT.top}" fill="#fdecea"/>
${axis.join('\n')}
<line x1="${PLOT.left}" y1="${bottom}" x2="${PLOT.width - PLOT.right}" y2="${bottom}" stroke="#8a939c"/>
<text x="${PLOT.left + plotWidth / 2}" y="${bottom + 40}" text-anchor="middle" font-size="12" fill="#4a525b">time from request to decision (log scale)</text>
${rowsSVG.join('\n')}
${empty}
<line id="min-review-line" data-seconds="${min}" x1="${n(threshold)}" y1="${PLOT.top - 8}" x2="${n(threshold)}" y2="${bottom}" stroke="#c62828" stroke-width="2" stroke-dasharray="6 4"/>
<text x="${n(threshold)}" y="${PLOT.top - 14}" text-anchor="middle" font-size="12" fill="#c62828">minimum plausible: ${esc(duration(min))}</text>
<g font-size="12" fill="#1b1f24">
<circle cx="${PLOT.left + 6}" cy="16" r="4.5" fill="#c62828" fill-opacity="0.7"/><text x="${PLOT.left + 16}" y="20">faster than the minimum</text>
<circle cx="${PLOT.left + 186}" cy="16" r="4.5" fill="#1f5fbf" fill-opacity="0.7"/><text x="${PLOT.left + 196}" y="20">at or above the minimum</text>
</g>
</svg>`;
}

// --------------------------------------------------------------- shared HTML

// Inline styles only: the page must open from a file or a CI artifact with nothing else.
// Tables have fixed layouts and every cell may break anywhere, so 64-hex digests and
// long prompts wrap instead of widening the page.
const CSS = `*{box-sizing:border-box}
body{margin:0;background:#f4f5f7;color:#1b1f24;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;overflow-wrap:anywhere}
main{max-width:1200px;margin:0 auto;padding:20px}
.card{background:#fff;border:1px solid #d5d9de;border-radius:6px;padding:14px 18px;margin:0 0 14px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:18px;margin:0 0 10px}.section-title{margin:18px 0 10px}
h3{font-size:16px;margin:0 0 8px}h4{font-size:13px;margin:12px 0 4px;color:#4a525b;text-transform:uppercase;letter-spacing:.04em}
table{width:100%;border-collapse:collapse;table-layout:fixed;margin:6px 0}
th,td{border:1px solid #d5d9de;padding:5px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere;min-width:0}
th{background:#eef0f3;font-weight:600}
code{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:12.5px;overflow-wrap:anywhere;word-break:break-all}
.text{white-space:pre-wrap;overflow-wrap:anywhere}
.muted{color:#5f6b76}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:3px 16px;margin:0}
dt{font-weight:600;color:#4a525b}dd{margin:0;min-width:0}
.badge{display:inline-block;padding:0 8px;border:1px solid;border-radius:10px;font-size:12.5px;font-weight:600;vertical-align:middle}
.tone-good{background:#e6f4ea;color:#11632b;border-color:#9fd3ae}
.tone-bad{background:#fdecea;color:#a4161a;border-color:#f0a8a3}
.tone-warn{background:#fff4d6;color:#7a5300;border-color:#f0cf75}
.tone-neutral{background:#eef0f3;color:#3a4149;border-color:#c5cbd2}
.tier{display:inline-block;margin:0 0 6px;padding:6px 18px;border:2px solid;border-radius:6px;font-size:26px;font-weight:700}
tr.deep-review td{background:#fff8e1}tr.deep-review td:first-child{box-shadow:inset 4px 0 0 #e0a800}
.change-worse{color:#a4161a;font-weight:600}.change-better{color:#11632b;font-weight:600}
.alert{border:2px solid #a4161a;background:#fff5f5}.alert h2{color:#a4161a}
svg{display:block;max-width:100%;height:auto}`;

function page(title: string, body: string): string {
  // The policy forbids scripts and every fetch: the page needs neither, and escaping gets a second line of defence.
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
${CSS}
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

interface TableOptions<T> {
  id?: string;
  className?: string;
  /** Shown in one cell across the table when there are no rows. */
  empty?: string;
  /** Attributes of each row's <tr>, already escaped. */
  row?: (row: T, index: number) => string;
}

/** A fixed-layout table; `columns` are [heading, width], cells are HTML already escaped. */
function table<T>(columns: Array<[string, string]>, rows: T[], cells: (row: T) => string[], options: TableOptions<T> = {}): string {
  const attrs = `${options.id ? ` id="${options.id}"` : ''}${options.className ? ` class="${options.className}"` : ''}`;
  const body = rows.length === 0 && options.empty
    ? `<tr><td colspan="${columns.length}" class="muted">${esc(options.empty)}</td></tr>`
    : rows.map((row, i) => `<tr${options.row ? ` ${options.row(row, i)}` : ''}>${cells(row).map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<table${attrs}>
<colgroup>${columns.map(([, w]) => `<col style="width:${w}">`).join('')}</colgroup>
<thead><tr>${columns.map(([head]) => `<th>${esc(head)}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody>
</table>`;
}

/** A definition list of label and HTML value pairs. */
function facts(pairs: Array<[string, string]>): string {
  return `<dl class="facts">\n${pairs.map(([label, value]) => `<dt>${esc(label)}</dt><dd>${value}</dd>`).join('\n')}\n</dl>`;
}

function code(text: string): string {
  return `<code>${esc(text)}</code>`;
}

function badge(word: string, attrs = ''): string {
  return `<span class="badge tone-${tone(word)}"${attrs ? ` ${attrs}` : ''}>${esc(word)}</span>`;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The one escape every string from a view passes through on its way into HTML, text or attribute. */
function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

// ----------------------------------------------------------------- shared text

type Tone = 'good' | 'bad' | 'warn' | 'neutral';

/** How a verdict, tier, state or decision word is coloured: known words only, anything else neutral. */
function tone(word: string): Tone {
  const w = word.toLowerCase();
  if (/^(pass|passed|allow|allowed|approve|approved|ok|low)$/.test(w)) return 'good';
  if (/^(fail|failed|deny|denied|reject|rejected|error|high|overdue)$/.test(w)) return 'bad';
  if (/^(warn|warning|medium|pending|escalated|inconclusive)$/.test(w)) return 'warn';
  return 'neutral';
}

function requiredSentence(view: ReviewView): string {
  return `${plural(view.required.approvals, 'approval')} required in all.`;
}

const DRAW_MISMATCH = 'The recorded selection does not agree with draw < rate.';

function drawMismatch(view: ReviewView): boolean {
  return view.deepReview.selected !== view.deepReview.draw < view.deepReview.rate;
}

function drawSentence(view: ReviewView): string {
  const d = view.deepReview;
  return d.selected
    ? `Selected: the draw ${d.draw} is below the rate ${d.rate}, so this request gets a deep review.`
    : `Not selected: the draw ${d.draw} is not below the rate ${d.rate}, so no deep review was drawn.`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function signed(change: number): string {
  const magnitude = String(Number(Math.abs(change).toFixed(3)));
  return change > 0 ? `+${magnitude}` : change < 0 ? `-${magnitude}` : '0';
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

/** Seconds as a short duration, the two largest units. */
function duration(seconds: number): string {
  if (seconds < 60) return `${Number(seconds.toFixed(seconds < 10 ? 1 : 0))} s`;
  const units: Array<[string, number]> = [['d', 86_400], ['h', 3600], ['min', 60], ['s', 1]];
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || parts.length > 0) parts.push(`${count} ${unit}`);
    if (parts.length === 2) break;
  }
  return parts.filter((part) => !part.startsWith('0 ')).join(' ');
}

function excerpt(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** SVG coordinates with one decimal, so output does not depend on float noise. */
function n(value: number): string {
  return String(Number(value.toFixed(1)));
}

// Control characters (escape sequences, carriage returns, bidirectional overrides) in view
// text could rewrite or reorder what the terminal shows; they are shown as \uXXXX instead.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function plain(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/\t/g, ' ').replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function textWidth(text: string): number {
  return [...text].length;
}

/**
 * Greedy word wrap of `text` to `max` columns: the first line indented by
 * `indent`, the rest by `hang`. A word longer than a line (a digest) is broken
 * where the line ends rather than pushed whole onto the next one.
 */
function wrap(text: string, max: number, indent: number, hang: number): string[] {
  const lines: string[] = [];
  let line = ' '.repeat(indent);
  let bare = true;
  const flush = () => {
    lines.push(line.trimEnd());
    line = ' '.repeat(hang);
    bare = true;
  };
  plain(text).split('\n').forEach((paragraph, p) => {
    if (p > 0) flush();
    // Leading spaces are kept (code in a prompt stays indented); spaces between words are not.
    line += ' '.repeat(Math.min(paragraph.length - paragraph.trimStart().length, max - textWidth(line) - 1));
    for (const word of paragraph.split(' ').filter(Boolean)) {
      let rest = [...word];
      if (!bare && textWidth(line) + 1 + rest.length > max && rest.length <= max - hang) flush();
      if (!bare) {
        if (textWidth(line) + 1 >= max) flush();
        else line += ' ';
      }
      while (rest.length > 0) {
        const room = max - textWidth(line);
        line += rest.slice(0, room).join('');
        rest = rest.slice(room);
        bare = false;
        if (rest.length > 0) flush();
      }
    }
  });
  lines.push(line.trimEnd());
  return lines;
}

const ANSI: Record<Tone | 'bold', string> = { bold: '1', good: '32', bad: '1;31', warn: '33', neutral: '' };

/** Collects wrapped, optionally coloured lines; colour is applied after wrapping so it never counts towards the width. */
class TextWriter {
  readonly width: number;
  private readonly color: boolean;
  private readonly lines: string[] = [];

  constructor(options: TextRenderOptions) {
    this.width = Math.max(40, Math.floor(options.width ?? 100));
    this.color = options.color ?? false;
  }

  line(text: string, style?: Tone | 'bold', indent = 0): void {
    this.push(wrap(text, this.width, indent, indent + 2), style);
  }

  field(label: string, value: string, indent = 0): void {
    this.push(wrap(`${label}: ${value}`, this.width, indent, indent + 4));
  }

  item(text: string, style?: Tone | 'bold', marker = '-', indent = 2): void {
    this.push(wrap(`${marker} ${text}`, this.width, indent, indent + marker.length + 1), style);
  }

  /** Two texts side by side, each wrapped to half the width. */
  columns(left: string, right: string, indent: number, style?: Tone | 'bold'): void {
    const gap = ' | ';
    const half = Math.floor((this.width - indent - gap.length) / 2);
    const l = wrap(left, half, 0, 0);
    const r = wrap(right, half, 0, 0);
    const rows = Array.from({ length: Math.max(l.length, r.length) }, (_, i) => {
      const cell = l[i] ?? '';
      return `${' '.repeat(indent)}${cell}${' '.repeat(half - textWidth(cell))}${gap}${r[i] ?? ''}`.trimEnd();
    });
    this.push(rows, style);
  }

  heading(title: string): void {
    if (this.lines.length > 0 && this.lines.at(-1) !== '') this.blank();
    this.line(title.toUpperCase(), 'bold');
    this.push(['-'.repeat(Math.min(this.width, textWidth(title)))]);
  }

  blank(): void {
    this.lines.push('');
  }

  toString(): string {
    return `${this.lines.join('\n').replace(/\n+$/, '')}\n`;
  }

  /** Lines laid out by the caller, each already within the width. */
  preformatted(lines: string[], style?: Tone | 'bold'): void {
    this.push(lines.map((line) => line.trimEnd()), style);
  }

  private push(lines: string[], style?: Tone | 'bold'): void {
    const code = style && this.color ? ANSI[style] : '';
    for (const line of lines) this.lines.push(code && line ? `\x1b[${code}m${line}\x1b[0m` : line);
  }
}
