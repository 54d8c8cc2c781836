// How a decision reads: the terminal table, the Markdown summary and each
// report format, from a decision made by hand so that every line is known.
// test/cli/decide.test.ts checks the same reports from real decisions, parsed
// by Python's XML reader and a SARIF schema.
import { describe, expect, it } from 'vitest';
import { parse as parseYAML } from 'yaml';
import type { Decision, DecisionResult } from '../../src/decide/decide.ts';
import { breakGlassLines, formatDecision, formatDecisionMarkdown, rejectedBundles } from '../../src/decide/format.ts';
import type { AttestationRecord } from '../../src/decide/input.ts';
import { decisionReport, decisionSummary } from '../../src/decide/reports.ts';

const ARTIFACT = `sha256:${'a1'.repeat(32)}`;
const LONG_SIGNER = 'https://github.com/acme/models/.github/workflows/release.yml@refs/heads/main';

function verified(id: string, name: string, ids: string[]): AttestationRecord {
  return { id, verified: true, signer: { name, ids }, predicate_type: 'https://gatehouse.dev/x/v1', subjects: [ARTIFACT], evaluated_at_ms: null, signed_at_ms: null, expected_seed: null, predicate: {} };
}

function rejected(id: string, reason: string): AttestationRecord {
  return { id, verified: false, reason, claimed_predicate_type: null };
}

function decision(result: Partial<DecisionResult>, attestations: AttestationRecord[] = [], locations: Array<[string, string]> = []): Decision {
  return {
    result: { allowed: false, artifact: ARTIFACT, stage: 'production', gates: {}, violations: [], ...result },
    input: { artifact: ARTIFACT, stage: 'production', deployed: null, policy: { digest: 'f0'.repeat(32) }, evaluation_time: '2026-11-20T12:00:00Z', evaluation_time_ms: 1_795_176_000_000, attestations, inventory: { verified: false } },
    evaluationTimeSource: 'requested',
    locations: new Map(locations),
    inputDigest: 'c4'.repeat(32),
    policy: { digest: '0123456789abcdef'.repeat(4), revision: '2026-11-20T00:00:00Z-abcdefgh-ijklmnop' },
    engine: { name: 'gatehouse', version: '9.8.7' },
    inventory: null,
  };
}

// Gates listed out of chain order, one unknown to the registry, one with two signers.
const GATES: DecisionResult['gates'] = {
  'zz-custom': { status: 'missing', attestations: [], signers: [], verdicts: [] },
  regression: { status: 'rejected', attestations: ['sha256:r'], signers: ['regression-gate'], verdicts: ['fail'] },
  'aa-custom': { status: 'missing', attestations: [], signers: [], verdicts: [] },
  integrity: { status: 'present', attestations: ['sha256:i', 'sha256:j'], signers: ['integrity-gate', LONG_SIGNER], verdicts: ['pass', 'pass'] },
};

const VIOLATIONS = [
  { code: 'threshold_failed', title: 'A metric is out of tolerance', msg: 'regression: accuracy fell by 0.04 [0.03, 0.05] > 0.02', gate: 'regression' },
  { code: 'policy_stale', title: 'The policy is stale', msg: 'the policy bundle is 40 days old', gate: '' },
];

const DENIED = decision(
  { gates: GATES, violations: VIOLATIONS },
  [verified('sha256:i', 'integrity-gate', ['integrity', 'ops']), verified('sha256:j', LONG_SIGNER, []), verified('sha256:r', 'regression-gate', ['ml']), rejected('sha256:bad', 'signature does not verify'), rejected('unreadable:x.json', 'not JSON')],
  [['sha256:bad', 'store/bad.sigstore.json']],
);

describe('formatDecision', () => {
  it('gives the verdict, the policy, a table of gates in chain order, the violations and the rejected bundles', () => {
    expect(formatDecision(DENIED)).toEqual([
      `DENIED: ${ARTIFACT} to production`,
      'policy sha256:0123456789abcdef… (revision 2026-11-20T00:00:00Z-ab…), evaluated at 2026-11-20T12:00:00Z',
      '',
      '  gate        status    signer                                                                 verdict',
      '  integrity   present   integrity-gate (integrity, ops); https://github.com/acme/models/.git…  pass, pass',
      '  regression  rejected  regression-gate (ml)                                                   fail',
      '  aa-custom   missing   -                                                                      -',
      '  zz-custom   missing   -                                                                      -',
      '',
      'violations:',
      '  [threshold_failed] regression: accuracy fell by 0.04 [0.03, 0.05] > 0.02',
      '  [policy_stale] the policy bundle is 40 days old',
      '',
      'bundles that are evidence of nothing:',
      '  store/bad.sigstore.json: signature does not verify',
      '  unreadable:x.json: not JSON',
    ]);
  });

  it('lists a single violation, and shortens only signer names longer than 36 characters', () => {
    const exactly36 = 'x'.repeat(36);
    const one = decision({ gates: { integrity: { status: 'present', attestations: [], signers: [exactly36, `${exactly36}y`], verdicts: ['pass'] } }, violations: [VIOLATIONS[1]!] });
    const lines = formatDecision(one);
    expect(lines[4]).toBe(`  integrity  present  ${exactly36}; ${'x'.repeat(35)}…  pass`);
    expect(lines.slice(-3)).toEqual(['', 'violations:', '  [policy_stale] the policy bundle is 40 days old']);
  });

  it('says ALLOWED, and leaves out the sections that would be empty', () => {
    const allowed = decision({ allowed: true, gates: { integrity: GATES['integrity']! } }, [verified('sha256:i', 'integrity-gate', [])]);
    expect(formatDecision(allowed)).toEqual([
      `ALLOWED: ${ARTIFACT} to production`,
      'policy sha256:0123456789abcdef… (revision 2026-11-20T00:00:00Z-ab…), evaluated at 2026-11-20T12:00:00Z',
      '',
      '  gate       status   signer                                                verdict',
      '  integrity  present  integrity-gate; https://github.com/acme/models/.git…  pass, pass',
    ]);
  });

  it('shows each break-glass override under the verdict, never as an ordinary allow', () => {
    const overridden = decision({ allowed: true, break_glass: [{ attestation: 'sha256:bg', signer: 'on-call', reason: 'outage', at: '2026-11-20T11:00:00Z' }, { attestation: 'sha256:bh', signer: 'cto', reason: 'second', at: '2026-11-20T11:30:00Z' }] });
    const expected = ['BREAK-GLASS: on-call overrode the approval gate at 2026-11-20T11:00:00Z: outage (sha256:bg)', 'BREAK-GLASS: cto overrode the approval gate at 2026-11-20T11:30:00Z: second (sha256:bh)'];
    expect(breakGlassLines(overridden)).toEqual(expected);
    expect(formatDecision(overridden).slice(0, 5)).toEqual([`ALLOWED: ${ARTIFACT} to production`, expect.stringMatching(/^policy /), ...expected, '']);
    expect(breakGlassLines(DENIED)).toEqual([]);
  });

  it('names a rejected bundle by where it was found, or by its id when nothing says where', () => {
    expect(rejectedBundles(DENIED)).toEqual([
      { id: 'sha256:bad', location: 'store/bad.sigstore.json', reason: 'signature does not verify' },
      { id: 'unreadable:x.json', location: 'unreadable:x.json', reason: 'not JSON' },
    ]);
  });
});

describe('formatDecisionMarkdown', () => {
  it('writes the same decision as a step summary, every piece of text escaped', () => {
    const hostile = decision(
      { gates: { integrity: { status: 'present', attestations: [], signers: ['eve|*bold*'], verdicts: ['pass'] } }, violations: [{ code: 'x_y', title: 't', msg: 'a <b> | c', gate: 'integrity' }], break_glass: [{ attestation: 'sha256:bg', signer: 'on_call', reason: 'fix #1', at: '2026-11-20T11:00:00Z' }] },
      [rejected('sha256:bad', 'bad [link](http://x)')],
    );
    expect(formatDecisionMarkdown(hostile)).toBe(
      [
        `### DENIED: sha256\\:${'a1'.repeat(32)} to production`,
        '',
        'policy sha256\\:0123456789abcdef… \\(revision 2026\\-11\\-20T00\\:00\\:00Z\\-ab…\\)\\, evaluated at 2026\\-11\\-20T12\\:00\\:00Z',
        '',
        '**BREAK\\-GLASS\\: on\\_call overrode the approval gate at 2026\\-11\\-20T11\\:00\\:00Z\\: fix \\#1 \\(sha256\\:bg\\)**',
        '',
        '| gate | status | signer | verdict |',
        '|---|---|---|---|',
        '| integrity | present | eve\\|\\*bold\\* | pass |',
        '',
        '**Violations**',
        '',
        '- \\[x\\_y\\] a \\<b\\> \\| c',
        '',
        '**Bundles that are evidence of nothing**',
        '',
        '- sha256\\:bad\\: bad \\[link\\]\\(http\\:\\/\\/x\\)',
        '',
      ].join('\n'),
    );
  });

  it('lists at most 50 rejected bundles and says how many more the JSON report holds', () => {
    const many = (n: number) => decision({}, Array.from({ length: n }, (_, i) => rejected(`sha256:${i}`, 'bad')));
    const listed = (text: string) => text.split('\n').filter((line) => line.startsWith('- sha256\\:'));
    expect(listed(formatDecisionMarkdown(many(50)))).toHaveLength(50);
    expect(formatDecisionMarkdown(many(50))).not.toContain('more (every one');
    const text = formatDecisionMarkdown(many(53));
    expect(listed(text)).toHaveLength(50);
    expect(listed(text).at(-1)).toBe('- sha256\\:49\\: bad');
    expect(text.endsWith('- … and 3 more (every one is in the JSON report)\n')).toBe(true);
    expect(formatDecisionMarkdown(decision({ allowed: true }))).not.toContain('**');
    expect(formatDecisionMarkdown(decision({ allowed: true })).split('\n')[0]).toBe(`### ALLOWED: sha256\\:${'a1'.repeat(32)} to production`);
  });
});

describe('decision reports', () => {
  it('summarises a decision as verify --json prints it, and the same in YAML', async () => {
    const summary = {
      allowed: false,
      artifact: ARTIFACT,
      stage: 'production',
      gates: GATES,
      violations: VIOLATIONS,
      policy: { digest: `sha256:${'0123456789abcdef'.repeat(4)}`, revision: '2026-11-20T00:00:00Z-abcdefgh-ijklmnop' },
      evaluationTime: '2026-11-20T12:00:00Z',
      evaluationTimeSource: 'requested',
      inputDigest: `sha256:${'c4'.repeat(32)}`,
      rejected: rejectedBundles(DENIED),
      decisionRecord: 'records/d.json',
    };
    expect(decisionSummary(DENIED, 'records/d.json')).toStrictEqual(summary);
    expect(await decisionReport(DENIED, 'json', 'records/d.json')).toBe(`${JSON.stringify(summary, null, 2)}\n`);
    expect(parseYAML(await decisionReport(DENIED, 'yaml', 'records/d.json'))).toStrictEqual(summary);
    expect(parseYAML(await decisionReport(DENIED, 'yaml', null))).toStrictEqual({ ...summary, decisionRecord: null });
    expect(await decisionReport(DENIED, 'markdown', null)).toBe(formatDecisionMarkdown(DENIED));
  });

  it('writes JUnit with a case per gate, failing unless present and unblamed, and a failing case per violation', async () => {
    const gates = { ...GATES, provenance: { status: 'present' as const, attestations: [], signers: ['p'], verdicts: ['pass'] } };
    const xml = await decisionReport(decision({ gates, violations: VIOLATIONS }), 'junit', null);
    expect(xml).toContain(`<testsuite name="gatehouse verify ${ARTIFACT} to production: DENIED" tests="7" failures="5" timestamp="2026-11-20T12:00:00Z">`);
    // A present gate no violation names passes; one a violation names fails with it.
    expect(xml).toContain('<testcase classname="gatehouse.gates" name="provenance"></testcase>');
    expect(xml).toContain('<testcase classname="gatehouse.gates" name="integrity"></testcase>');
    expect(xml).toContain(
      '<testcase classname="gatehouse.gates" name="regression">\n      <failure type="threshold_failed" message="regression: accuracy fell by 0.04 [0.03, 0.05] &gt; 0.02">[threshold_failed] regression: accuracy fell by 0.04 [0.03, 0.05] &gt; 0.02</failure>\n    </testcase>',
    );
    // A missing gate no violation names fails with its status.
    expect(xml).toContain('<testcase classname="gatehouse.gates" name="zz-custom">\n      <failure type="missing" message="zz-custom is missing">zz-custom is missing</failure>\n    </testcase>');
    expect(xml).toContain(
      '<testcase classname="gatehouse.violations.regression" name="[threshold_failed] regression: accuracy fell by 0.04 [0.03, 0.05] &gt; 0.02">\n      <failure type="threshold_failed" message="regression: accuracy fell by 0.04 [0.03, 0.05] &gt; 0.02">A metric is out of tolerance</failure>\n    </testcase>',
    );
    expect(xml).toContain('<testcase classname="gatehouse.violations.policy" name="[policy_stale] the policy bundle is 40 days old">');
    const allowed = await decisionReport(decision({ allowed: true, gates: { provenance: gates.provenance } }), 'junit', null);
    expect(allowed).toContain('to production: ALLOWED" tests="1" failures="0"');
  });

  it('fails a present gate that a violation names', async () => {
    const blamed = { code: 'signer_reused', title: 'A signer counted twice', msg: 'integrity-gate signed two gates', gate: 'integrity' };
    const xml = await decisionReport(decision({ gates: { integrity: GATES['integrity']! }, violations: [blamed] }), 'junit', null);
    expect(xml).toContain('<testcase classname="gatehouse.gates" name="integrity">\n      <failure type="signer_reused" message="integrity-gate signed two gates">[signer_reused] integrity-gate signed two gates</failure>\n    </testcase>');
  });

  it('joins every violation against one gate into its failure, the first giving its type and message', async () => {
    const two = [VIOLATIONS[0]!, { code: 'signer_reused', title: 'A signer counted twice', msg: 'regression-gate signed two gates', gate: 'regression' }];
    const xml = await decisionReport(decision({ gates: { regression: GATES['regression']! }, violations: two }), 'junit', null);
    expect(xml).toContain(
      '<failure type="threshold_failed" message="regression: accuracy fell by 0.04 [0.03, 0.05] &gt; 0.02">[threshold_failed] regression: accuracy fell by 0.04 [0.03, 0.05] &gt; 0.02&#10;[signer_reused] regression-gate signed two gates</failure>',
    );
  });

  it('writes SARIF with a result per violation under its code, and the run saying what was decided', async () => {
    const log = JSON.parse(await decisionReport(DENIED, 'sarif', null)) as {
      runs: Array<{ tool: { driver: { name: string; version: string; rules: unknown[] } }; invocations: Array<{ properties: unknown }>; results: Array<{ ruleId: string; message: { text: string }; locations: unknown[] }> }>;
    };
    const [run] = log.runs;
    expect(run!.tool.driver).toEqual({
      name: 'gatehouse',
      version: '9.8.7',
      rules: [
        { id: 'policy_stale', shortDescription: { text: 'The policy is stale' } },
        { id: 'threshold_failed', shortDescription: { text: 'A metric is out of tolerance' } },
      ],
    });
    expect(run!.invocations[0]!.properties).toEqual({ allowed: false, artifact: ARTIFACT, stage: 'production', policy: `sha256:${'0123456789abcdef'.repeat(4)}`, evaluationTime: '2026-11-20T12:00:00Z' });
    expect(run!.results.map((result) => [result.ruleId, result.message.text, result.locations])).toEqual([
      ['threshold_failed', 'regression: accuracy fell by 0.04 \\[0.03, 0.05\\] > 0.02', [{ logicalLocations: [{ name: 'regression', kind: 'module' }] }]],
      ['policy_stale', 'the policy bundle is 40 days old', [{ logicalLocations: [{ name: 'policy', kind: 'module' }] }]],
    ]);
  });
});
