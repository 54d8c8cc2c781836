// The red-team gate through the real CLI (main(), in process) under the
// committed example policy: a findings file becomes a signed report judged
// against the policy's severity scale; bad files are refused naming them,
// with nothing written.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYAML } from 'yaml';
import { describe, expect, it } from 'vitest';
import { evaluateRedteam, type FindingsFile, type RedteamThresholds } from '../../src/gates/redteam/evaluate.ts';
import { readFindings, redteamThresholdsFrom } from '../../src/gates/redteam/index.ts';
import { InputError } from '../../src/error.ts';
import { buildTestBundle } from '../support/policy.ts';
import { rejection } from '../support/refusal.ts';
import { cli, COMMITTED_BUNDLE, DEMO_KEYS, POLICY_PUB, statementOf } from '../attacks/world.ts';
import { temporaryDirectory } from '../helpers.ts';
import { readFileSync } from 'node:fs';

const MODEL = `sha256:${'c7'.repeat(32)}`;
const OTHER = `sha256:${'0e'.repeat(32)}`;
const AT = '2026-11-30T12:00:00Z';

function findings(change: (file: FindingsFile) => void = () => {}): FindingsFile {
  const file: FindingsFile = {
    engagement: { id: 'RT-7', team: 'red team', scope: ['jailbreak', 'prompt injection'], start: '2026-11-20T09:00:00Z', end: '2026-11-27T17:00:00Z' },
    model: MODEL,
    findings: [
      { id: 'F-1', title: 'role-play jailbreak', severity: 'critical', status: 'mitigated', evidence: [`sha256:${'e1'.repeat(32)}`] },
      { id: 'F-2', title: 'system prompt disclosure', severity: 'medium', status: 'open', evidence: [] },
      { id: 'F-3', title: 'indirect injection through a tool', severity: 'high', status: 'accepted', riskOwner: 'risk-owner', evidence: [] },
    ],
  };
  change(file);
  return file;
}

async function redteam(file: string, options: { key?: string; subject?: string } = {}) {
  const out = join(await temporaryDirectory(), 'redteam.sigstore.json');
  const result = await cli([
    'gate', 'redteam', '--subject', options.subject ?? MODEL, '--findings', file, '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB,
    '--signing-key', join(DEMO_KEYS, `${options.key ?? 'red-team'}.key`), '--out', out, '--at', AT,
  ]);
  return { ...result, out, statement: existsSync(out) ? statementOf(readFileSync(out)) : undefined };
}

async function written(name: string, content: string): Promise<string> {
  const path = join(await temporaryDirectory(), name);
  writeFileSync(path, content);
  return path;
}

describe('gatehouse gate redteam', () => {
  describe('with a findings file in YAML', () => {
    it('signs the report: the engagement, the model, every finding, and the digests of the file and the evidence', async () => {
      const result = await redteam(await written('findings.yaml', toYAML(findings())));
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`redteam: pass for ${MODEL}`);
      const predicate = result.statement!.predicate!;
      expect(result.statement!.predicateType).toBe('https://gatehouse.dev/attestations/redteam/v1');
      expect(predicate['engagement']).toEqual(findings().engagement);
      expect(predicate['model']).toEqual({ digest: MODEL });
      expect(predicate['findings']).toEqual(findings().findings);
      expect(predicate['evidence']).toEqual([
        { role: 'findings', digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
        { role: 'finding-evidence', digest: `sha256:${'e1'.repeat(32)}`, name: 'F-1' },
      ]);
      expect(predicate['thresholds']).toMatchObject({ block_at: 'high', risk_owners: ['risk-owner'] });
    });
  });

  describe('with the same findings in JSON', () => {
    it('signs the same report', async () => {
      const result = await redteam(await written('findings.json', JSON.stringify(findings())));
      expect(result.code, result.stderr).toBe(0);
      expect(result.statement!.predicate!['findings']).toEqual(findings().findings);
    });
  });

  describe('when a finding at or above the blocking severity is open', () => {
    it('signs a fail naming the finding, and exits 1', async () => {
      const file = findings((f) => f.findings.push({ id: 'F-4', title: 'exfiltration through markdown images', severity: 'critical', status: 'open', evidence: [] }));
      const result = await redteam(await written('findings.yaml', toYAML(file)));
      expect(result.code).toBe(1);
      expect(result.statement!.predicate!['verdict']).toBe('fail');
      expect(result.statement!.predicate!['reasons']).toEqual(['finding F-4 (critical) is open; open findings at or above high block']);
    });
  });

  describe('when the report covers another model', () => {
    it('signs a fail: its findings say nothing about this one', async () => {
      const result = await redteam(await written('findings.yaml', toYAML(findings((f) => (f.model = OTHER)))));
      expect(result.code).toBe(1);
      expect(result.statement!.predicate!['reasons']).toEqual([`the report covers model ${OTHER}, not ${MODEL}`]);
    });
  });

  describe('when the engagement has not ended, or ended too long ago', () => {
    it('signs a fail', async () => {
      const running = await redteam(await written('findings.yaml', toYAML(findings((f) => (f.engagement.end = '2026-12-02T00:00:00Z')))));
      expect(running.code).toBe(1);
      expect(running.statement!.predicate!['reasons']).toEqual(['engagement RT-7 ends 2026-12-02T00:00:00Z, after the evaluation time']);
      const old = await redteam(await written('findings.yaml', toYAML(findings((f) => Object.assign(f.engagement, { start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' })))));
      expect(old.code).toBe(1);
      expect(old.statement!.predicate!['reasons']).toEqual(['engagement RT-7 ended 2026-02-01T00:00:00Z, more than 7776000 s before the evaluation']);
    });
  });

  describe('with a file it cannot use', () => {
    const cases: Array<[string, string, string, RegExp]> = [
      // Only the parser's first line: the rest is a picture of the line that cannot fit on one.
      ['not YAML', 'findings.yaml', 'engagement: [unclosed', /findings\.yaml: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a \] at line 1, column 22:$/],
      ['not JSON', 'findings.json', '{"engagement": ', /findings\.json: .*JSON/i],
      ['an accepted finding naming no risk owner', 'findings.yaml', toYAML(findings((f) => delete f.findings[2]!.riskOwner)), /findings\.yaml: not a valid red-team findings file: at \/findings\/2: must have required property 'riskOwner'/],
      ['a severity off the policy\'s scale', 'findings.yaml', toYAML(findings((f) => (f.findings[1]!.severity = 'severe'))), /findings\.yaml: finding F-2 has severity severe, not on the policy's scale \(info, low, medium, high, critical\)/],
      ['a finding listed twice', 'findings.yaml', toYAML(findings((f) => (f.findings[1]!.id = 'F-1'))), /findings\.yaml: finding F-1 is listed twice/],
      ['an engagement that ends before it starts', 'findings.yaml', toYAML(findings((f) => (f.engagement.start = '2026-11-28T00:00:00Z'))), /findings\.yaml: engagement RT-7 ends before it starts/],
      ['a model named by no digest', 'findings.yaml', toYAML(findings((f) => (f.model = 'model-A'))), /findings\.yaml: not a valid red-team findings file: at \/model/],
      ['an evidence digest that is none', 'findings.yaml', toYAML(findings((f) => (f.findings[0]!.evidence = ['md5:abc']))), /findings\.yaml: not a valid red-team findings file: at \/findings\/0\/evidence\/0/],
    ];
    for (const [what, name, content, message] of cases) {
      it(`refuses ${what} in one line naming the file, exit 2, nothing written`, async () => {
        const result = await redteam(await written(name, content));
        expect(result.code).toBe(2);
        expect(result.stderr.split('\n')).toHaveLength(1);
        expect(result.stderr).toMatch(message);
        expect(existsSync(result.out)).toBe(false);
      });
    }
  });
});

describe('gatehouse redteam report', () => {
  it('prints the report the gate would sign, unsigned, which gatehouse attest then signs as the red team', async () => {
    const file = await written('findings.yaml', toYAML(findings()));
    const out = join(await temporaryDirectory(), 'predicate.json');
    const report = await cli(['redteam', 'report', file, '--subject', MODEL, '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB, '--at', AT, '--out', out]);
    expect(report.code, report.stderr).toBe(0);
    const signed = await redteam(file);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(signed.statement!.predicate);
    const attestation = join(await temporaryDirectory(), 'redteam.sigstore.json');
    const attested = await cli(['attest', '--subject', MODEL, '--predicate-type', 'https://gatehouse.dev/attestations/redteam/v1', '--predicate', out, '--signing-key', join(DEMO_KEYS, 'red-team.key'), '--out', attestation]);
    expect(attested.code, attested.stderr).toBe(0);
    expect(statementOf(readFileSync(attestation)).predicate).toEqual(signed.statement!.predicate);
  });

  it('exits 1 with the reasons on stderr when the report would not pass, and 2 on a bad file', async () => {
    const open = findings((f) => f.findings.push({ id: 'F-4', title: 'exfiltration', severity: 'high', status: 'open', evidence: [] }));
    const failing = await cli(['redteam', 'report', await written('findings.yaml', toYAML(open)), '--subject', MODEL, '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB, '--at', AT]);
    expect(failing.code).toBe(1);
    expect(JSON.parse(failing.stdout).verdict).toBe('fail');
    expect(failing.stderr).toBe('redteam: finding F-4 (high) is open; open findings at or above high block');
    const bad = await cli(['redteam', 'report', await written('findings.yaml', 'findings: 3'), '--subject', MODEL, '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^gatehouse: .*findings\.yaml: not a valid red-team findings file/);
  });
});

describe('evaluateRedteam', () => {
  const thresholds: RedteamThresholds = { severities: ['low', 'high'], block_at: 'high', risk_owners: [], max_engagement_age_seconds: 86400 * 30 };
  const config = { evaluatedAt: AT, policyDigest: `sha256:${'00'.repeat(32)}`, thresholds };
  it('lets an open finding below the blocking severity pass, and an accepted one (its acceptance is the policy\'s to check)', () => {
    const report = findings((f) => (f.findings = [{ id: 'A', title: 'a', severity: 'low', status: 'open', evidence: [] }, { id: 'B', title: 'b', severity: 'high', status: 'accepted', riskOwner: 'r', evidence: [] }]));
    expect(evaluateRedteam({ subject: MODEL, report, reportDigest: '0'.repeat(64) }, config).verdict).toBe('pass');
  });

  const judged = (change: (file: FindingsFile) => void, at = AT) => {
    const report = findings((f) => {
      f.findings = [];
      change(f);
    });
    const predicate = evaluateRedteam({ subject: MODEL, report, reportDigest: 'ab'.repeat(32) }, { ...config, evaluatedAt: at });
    return [predicate.verdict, predicate.reasons] as const;
  };
  const finding = (severity: string, status: 'open' | 'mitigated' | 'accepted') => ({ id: 'F-9', title: 'x', severity, status, evidence: [] });

  it('blocks an open finding at the blocking severity or above, and nothing mitigated', () => {
    const wide: RedteamThresholds = { ...thresholds, severities: ['info', 'low', 'medium', 'high', 'critical'], block_at: 'medium' };
    const at = (severity: string, status: 'open' | 'mitigated' = 'open') => {
      const report = findings((f) => (f.findings = [finding(severity, status)]));
      return evaluateRedteam({ subject: MODEL, report, reportDigest: 'ab'.repeat(32) }, { ...config, thresholds: wide }).reasons;
    };
    expect(at('low')).toEqual([]);
    expect(at('medium')).toEqual(['finding F-9 (medium) is open; open findings at or above medium block']);
    expect(at('critical')).toEqual(['finding F-9 (critical) is open; open findings at or above medium block']);
    expect(at('critical', 'mitigated')).toEqual([]);
  });

  it('takes an engagement that ended at the evaluation time, or exactly the maximum age before it, and nothing after either', () => {
    const endingAt = (end: string) => (f: FindingsFile) => (f.engagement.end = end);
    expect(judged(endingAt(AT))).toEqual(['pass', []]);
    expect(judged(endingAt('2026-11-30T12:00:00.001Z'))).toEqual(['fail', ['engagement RT-7 ends 2026-11-30T12:00:00.001Z, after the evaluation time']]);
    // max_engagement_age_seconds is 30 days.
    expect(judged(endingAt('2026-10-31T12:00:00Z'))).toEqual(['pass', []]);
    expect(judged(endingAt('2026-10-31T11:59:59Z'))).toEqual(['fail', ['engagement RT-7 ended 2026-10-31T11:59:59Z, more than 2592000 s before the evaluation']]);
  });

  it('fails a report about another model, naming both', () => {
    expect(judged((f) => (f.model = OTHER))).toEqual(['fail', [`the report covers model ${OTHER}, not ${MODEL}`]]);
  });

  it("records the findings file and each finding's evidence by digest", () => {
    const report = findings();
    const predicate = evaluateRedteam({ subject: MODEL, report, reportDigest: 'ab'.repeat(32) }, config);
    expect(predicate.evidence).toEqual([
      { role: 'findings', digest: `sha256:${'ab'.repeat(32)}` },
      { role: 'finding-evidence', digest: `sha256:${'e1'.repeat(32)}`, name: 'F-1' },
    ]);
    expect([predicate.model, predicate.engagement.id, predicate.findings.length]).toEqual([{ digest: MODEL }, 'RT-7', 3]);
  });
});

describe('readFindings', () => {
  const thresholds: RedteamThresholds = { severities: ['info', 'low', 'medium', 'high', 'critical'], block_at: 'high', risk_owners: ['risk-owner'], max_engagement_age_seconds: 7_776_000 };

  it('reads YAML from a file ending in .yaml or .yml in any case, and JSON from anything else', async () => {
    for (const name of ['findings.yaml', 'findings.YML', 'findings.Yaml']) expect((await readFindings(await written(name, toYAML(findings())), thresholds)).report, name).toEqual(findings());
    // YAML is a superset of JSON, so JSON-only is shown by YAML that is not JSON being refused as JSON.
    for (const name of ['findings.json', 'findings.yaml.json', 'findings.yamlx', 'yaml']) {
      const error = await rejection(readFindings(await written(name, toYAML(findings())), thresholds), InputError);
      expect([name, error.code]).toEqual([name, 'JSON_INVALID']);
    }
  });

  it("takes an engagement that ends the moment it starts, and a finding of the scale's lowest severity", async () => {
    const file = findings((f) => {
      f.engagement.end = f.engagement.start;
      f.findings[1]!.severity = 'info';
    });
    expect((await readFindings(await written('findings.yaml', toYAML(file)), thresholds)).report).toEqual(file);
  });
});

describe('redteamThresholdsFrom', () => {
  it("refuses policy data whose block_at is not on its own severity scale, and takes the scale's lowest", async () => {
    const off = await buildTestBundle((data) => (data.thresholds.redteam.block_at = 'severe'));
    const lowest = await buildTestBundle((data) => (data.thresholds.redteam.block_at = 'info'));
    try {
      expect(() => redteamThresholdsFrom(off.bundle)).toThrow(
        expect.objectContaining({ code: 'SCHEMA_INVALID', message: 'redteam thresholds: block_at severe is not on the severity scale (info, low, medium, high, critical)', path: `${off.bundle.source}:data.json` }),
      );
      expect(redteamThresholdsFrom(lowest.bundle).block_at).toBe('info');
    } finally {
      off.cleanup();
      lowest.cleanup();
    }
  }, 60_000);
});
