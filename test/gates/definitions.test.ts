// The gate definitions the registry derives policy data checks and
// decision facts from: each thresholds schema accepts the shipped thresholds
// and refuses, one field at a time, what each constraint names; and the
// facts a definition computes from a predicate (the regression seed, the
// data-provenance signers, the red-team times) come from the fields they
// name. The canary's schema has its own file (canary/definition.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { approvalDefinition } from '../../src/gates/approval/definition.ts';
import { backdoorDefinition } from '../../src/gates/backdoor/definition.ts';
import { BIAS_METRIC_NAMES, biasDefinition, COUNTERFACTUAL_METRIC, FAIRNESS_METRIC_NAMES } from '../../src/gates/bias/definition.ts';
import { DATASET_TYPE, datasetValidator } from '../../src/gates/data-provenance/dataset.ts';
import { DATA_PROVENANCE_TYPE, dataProvenanceDefinition } from '../../src/gates/data-provenance/definition.ts';
import { metricTolerancesSchema, type GateDefinition } from '../../src/gates/definition.ts';
import { integrityDefinition } from '../../src/gates/integrity/definition.ts';
import { provenanceDefinition } from '../../src/gates/provenance/definition.ts';
import { REDTEAM_TYPE, redteamDefinition } from '../../src/gates/redteam/definition.ts';
import { RISK_ACCEPTANCE_TYPE, riskAcceptanceValidator } from '../../src/gates/redteam/risk-acceptance.ts';
import { regressionDefinition } from '../../src/gates/regression/definition.ts';
import { robustnessDefinition } from '../../src/gates/robustness/definition.ts';
import { safetyDefinition } from '../../src/gates/safety/definition.ts';
import { deriveSeed } from '../../src/gates/seed.ts';
import { compileSchema } from '../../src/schema/validator.ts';
import { ROOT } from '../helpers.ts';

const shipped = (parse(readFileSync(join(ROOT, 'policies', 'data', 'thresholds.yaml'), 'utf8')) as { thresholds: Record<string, Record<string, unknown>> }).thresholds;

/** Whether the definition's thresholds schema accepts `thresholds`. */
function acceptor(definition: GateDefinition): (thresholds: unknown) => boolean {
  const validator = compileSchema(definition.thresholdsSchema as { $id: string });
  return (thresholds) => validator.problem(thresholds) === undefined;
}

/** Checks each [field, value, accepted] with that one field of `base` replaced (undefined: removed). */
function expectFields(accepted: (thresholds: unknown) => boolean, base: Record<string, unknown>, cases: ReadonlyArray<readonly [string, unknown, boolean]>): void {
  for (const [field, value, ok] of cases) {
    const { [field]: _, ...without } = base;
    const thresholds = value === undefined ? without : { ...base, [field]: value };
    expect(accepted(thresholds), `${field}: ${JSON.stringify(value)}`).toBe(ok);
  }
}

describe('the gate definitions', () => {
  it('name each gate, its predicate type and whether the policy binds it', () => {
    const facts = [approvalDefinition, backdoorDefinition, biasDefinition, dataProvenanceDefinition, integrityDefinition, provenanceDefinition, redteamDefinition, regressionDefinition, robustnessDefinition, safetyDefinition]
      .map(({ name, predicateType, policyBound, datasetField, comparesWithDeployed, followsApproval }) => ({ name, predicateType, policyBound, datasetField, comparesWithDeployed, followsApproval }));
    const type = (gate: string, version = 1) => `https://gatehouse.dev/attestations/${gate}/v${version}`;
    expect(facts).toEqual([
      { name: 'approval', predicateType: type('approval', 2), policyBound: true },
      { name: 'backdoor', predicateType: type('backdoor'), policyBound: true, datasetField: 'dataset', comparesWithDeployed: true },
      { name: 'bias', predicateType: type('bias'), policyBound: true, datasetField: 'dataset' },
      { name: 'data-provenance', predicateType: type('data-provenance'), policyBound: true },
      // The integrity gate applies nothing from policy: its attestations need not name a bundle.
      { name: 'integrity', predicateType: type('integrity'), policyBound: false },
      { name: 'provenance', predicateType: type('provenance'), policyBound: true },
      { name: 'redteam', predicateType: type('redteam'), policyBound: true },
      { name: 'regression', predicateType: type('regression'), policyBound: true, datasetField: 'evaluationSet', comparesWithDeployed: true },
      { name: 'robustness', predicateType: type('robustness'), policyBound: true, datasetField: 'dataset' },
      { name: 'safety', predicateType: type('safety'), policyBound: true, datasetField: 'dataset' },
    ].map((fact) => ({ datasetField: undefined, comparesWithDeployed: undefined, followsApproval: undefined, ...fact })));
    expect([DATA_PROVENANCE_TYPE, REDTEAM_TYPE, DATASET_TYPE, RISK_ACCEPTANCE_TYPE]).toEqual([type('data-provenance'), type('redteam'), type('dataset'), type('risk-acceptance')]);
    for (const definition of [approvalDefinition, integrityDefinition, provenanceDefinition]) expect(definition.thresholdsSchema, definition.name).toBeUndefined();
  });
});

describe('metricTolerancesSchema', () => {
  const accepted = acceptor({ ...regressionDefinition, thresholdsSchema: { $id: 'https://gatehouse.dev/schemas/test/tolerances.json', ...metricTolerancesSchema() } });
  const extended = compileSchema({ $id: 'https://gatehouse.dev/schemas/test/tolerances-more.json', ...metricTolerancesSchema({ floor: { type: 'number' } }) });

  it('takes, per metric, the better direction and a tolerance of 0 or more, and nothing else unless asked', () => {
    expect(accepted({ accuracy: { direction: 'higher', tolerance: 0 }, latency: { direction: 'lower', tolerance: 0.5 } })).toBe(true);
    expect(accepted({})).toBe(false);
    for (const metric of [{ tolerance: 0.1 }, { direction: 'higher' }, { direction: 'up', tolerance: 0.1 }, { direction: 'higher', tolerance: -0.01 }, { direction: 'higher', tolerance: '0.1' }, 0.1]) {
      expect(accepted({ accuracy: metric }), JSON.stringify(metric)).toBe(false);
    }
    expect(extended.problem({ accuracy: { direction: 'higher', tolerance: 0.1, floor: 0.8 } })).toBeUndefined();
    expect(extended.problem({ accuracy: { direction: 'higher', tolerance: 0.1, floor: 'high' } })).toBeDefined();
  });
});

describe('regression thresholds', () => {
  const accepted = acceptor(regressionDefinition);
  const base = shipped['regression']!;

  it('accept the shipped thresholds, and need the metrics with a range of two numbers where one is given', () => {
    expect(accepted(base)).toBe(true);
    const withRange = (range: unknown) => ({ ...base, metrics: { accuracy: { direction: 'higher', tolerance: 0.01, range } } });
    expect(accepted(withRange([0, 1]))).toBe(true);
    for (const range of [[0], [0, 1, 2], ['0', '1'], 1]) expect(accepted(withRange(range)), JSON.stringify(range)).toBe(false);
  });

  it('hold the level, resamples, runs and slices to their ranges, at the edges', () => {
    expectFields(accepted, base, [
      ['metrics', undefined, false], ['metrics', {}, false],
      ['level', 0.5, false], ['level', 0.51, true], ['level', 1, false], ['level', '0.95', false],
      ['resamples', 99, false], ['resamples', 100, true], ['resamples', 1_000_000, true], ['resamples', 1_000_001, false], ['resamples', 2000.5, false],
      ['min_runs', 1, false], ['min_runs', 2, true], ['min_runs', 2.5, false],
      ['slices', { min_size: 1 }, false], ['slices', { min_size: 2 }, true], ['slices', { min_size: 2.5 }, false], ['slices', 30, false],
      ['slices', { tolerances: { accuracy: -0.01 } }, false], ['slices', { tolerances: { accuracy: 0 } }, true], ['slices', { tolerances: { accuracy: '0.05' } }, false],
    ]);
  });

  it('expect the seed derived from the candidate, the deployed baseline and the evaluation set', () => {
    const subject = `sha256:${'a'.repeat(64)}` as const;
    const predicate = { baseline: { digest: `sha256:${'b'.repeat(64)}` }, evaluationSet: { digest: `sha256:${'c'.repeat(64)}` } };
    const seed = regressionDefinition.expectedSeed!(subject, predicate);
    expect(seed).toBe(deriveSeed('regression', { subject, baseline: predicate.baseline.digest, evaluationSet: predicate.evaluationSet.digest }));
    expect(regressionDefinition.expectedSeed!(subject, { ...predicate, baseline: { digest: `sha256:${'d'.repeat(64)}` } })).not.toBe(seed);
    expect(regressionDefinition.expectedSeed!(subject, { ...predicate, evaluationSet: { digest: `sha256:${'d'.repeat(64)}` } })).not.toBe(seed);
    expect(regressionDefinition.expectedSeed!(`sha256:${'e'.repeat(64)}`, predicate)).not.toBe(seed);
    // A predicate without the digests still gets a seed (the schema refuses it elsewhere), never an exception.
    expect(regressionDefinition.expectedSeed!(subject, {})).toBe(deriveSeed('regression', { subject, baseline: '', evaluationSet: '' }));
    expect(regressionDefinition.expectedSeed!(subject, { baseline: {}, evaluationSet: {} })).toBe(deriveSeed('regression', { subject, baseline: '', evaluationSet: '' }));
  });
});

describe('safety thresholds', () => {
  const accepted = acceptor(safetyDefinition);
  const base = shipped['safety']!;
  const judge = { kind: 'llm', name: 'guard', version: '3', model: 'llama-guard-3', endpoint: 'http://127.0.0.1:8080/v1' };

  it('accept the shipped thresholds, and hold each field to its constraint', () => {
    expect(accepted(base)).toBe(true);
    expectFields(accepted, base, [
      ['categories', undefined, false], ['categories', {}, false], ['categories', { jailbreak: 0 }, true], ['categories', { jailbreak: 1 }, false], ['categories', { jailbreak: -0.1 }, false], ['categories', { jailbreak: '0.9' }, false],
      ['max_over_refusal', undefined, false], ['max_over_refusal', 0, true], ['max_over_refusal', 1, true], ['max_over_refusal', 1.01, false], ['max_over_refusal', -0.01, false], ['max_over_refusal', '0.1', false],
      ['judges', undefined, false], ['judges', [], false], ['judges', [judge], true],
    ]);
  });

  it('need each judge to say its kind, name and version, each non-empty, and nothing unknown', () => {
    const withJudge = (entry: unknown) => accepted({ ...base, judges: [entry] });
    for (const field of ['kind', 'name', 'version']) {
      const { [field as 'kind']: _, ...without } = judge;
      expect(withJudge(without), `${field} missing`).toBe(false);
    }
    const { model: _m, endpoint: _e, ...rules } = judge;
    expect(withJudge({ ...rules, kind: 'rules' })).toBe(true);
    for (const [field, value] of [['kind', 'regex'], ['name', ''], ['version', ''], ['model', ''], ['endpoint', ''], ['name', 3], ['temperature', 0]] as const) {
      expect(withJudge({ ...judge, [field]: value }), `${field}: ${value}`).toBe(false);
    }
  });
});

describe('bias thresholds', () => {
  const accepted = acceptor(biasDefinition);
  const base = shipped['bias']!;

  it('name the fairness metrics and the counterfactual one, sorted for the policy data schema', () => {
    expect(FAIRNESS_METRIC_NAMES).toEqual(['calibration_error_difference', 'demographic_parity_difference', 'demographic_parity_ratio', 'equal_opportunity_difference', 'equalized_odds_difference']);
    expect(COUNTERFACTUAL_METRIC).toBe('counterfactual_flip_rate');
    expect(BIAS_METRIC_NAMES).toEqual(['calibration_error_difference', 'counterfactual_flip_rate', 'demographic_parity_difference', 'demographic_parity_ratio', 'equal_opportunity_difference', 'equalized_odds_difference']);
  });

  it('accept every metric the gate knows, each between 0 and 1, and refuse a name it does not', () => {
    expect(accepted(base)).toBe(true);
    for (const name of BIAS_METRIC_NAMES) {
      for (const [limit, ok] of [[0, true], [1, true], [-0.01, false], [1.01, false], ['0.05', false]] as const) {
        expect(accepted({ ...base, metrics: { [name]: limit } }), `${name}: ${limit}`).toBe(ok);
      }
    }
    expect(accepted({ ...base, metrics: { demographic_parity: 0.05 } })).toBe(false);
    expect(accepted({ ...base, metrics: {} })).toBe(false);
  });

  it('hold the group size and score threshold to their ranges', () => {
    expectFields(accepted, base, [
      ['metrics', undefined, false],
      ['min_group_size', undefined, true], ['min_group_size', 0, false], ['min_group_size', 1, true], ['min_group_size', 1.5, false],
      ['score_threshold', undefined, true], ['score_threshold', 0, true], ['score_threshold', 1, true], ['score_threshold', -0.1, false], ['score_threshold', 1.1, false], ['score_threshold', '0.5', false],
    ]);
  });
});

describe('robustness thresholds', () => {
  const accepted = acceptor(robustnessDefinition);
  const base = shipped['robustness']!;

  it('accept the shipped thresholds and need each required field', () => {
    expect(accepted(base)).toBe(true);
    for (const field of ['attack_families', 'max_attack_success', 'max_flip_rate', 'sources']) expectFields(accepted, base, [[field, undefined, false]]);
    expectFields(accepted, base, [['flip_families', undefined, true], ['max_flips', 0.05, false]]);
  });

  it('hold every maximum to [0, 1], per family and overall', () => {
    for (const field of ['attack_families', 'flip_families']) {
      expectFields(accepted, base, [[field, { x: 0 }, true], [field, { x: 1 }, true], [field, { x: -0.01 }, false], [field, { x: 1.01 }, false], [field, { x: '0.05' }, false], [field, 0.05, false]]);
    }
    for (const field of ['max_attack_success', 'max_flip_rate']) {
      expectFields(accepted, base, [[field, 0, true], [field, 1, true], [field, -0.01, false], [field, 1.01, false], [field, '0.05', false]]);
    }
  });

  it('take the sources it knows, at least one, each once', () => {
    for (const source of ['gatehouse', 'garak', 'promptfoo', 'predictions']) expectFields(accepted, base, [['sources', [source], true]]);
    expectFields(accepted, base, [['sources', [], false], ['sources', ['garak', 'garak'], false], ['sources', ['pyrit'], false], ['sources', 'garak', false]]);
  });
});

describe('backdoor thresholds', () => {
  const accepted = acceptor(backdoorDefinition);
  const base = shipped['backdoor']!;

  it('accept the shipped thresholds and hold each field to its constraint', () => {
    expect(accepted(base)).toBe(true);
    expectFields(accepted, base, [
      ['fdr', undefined, false], ['fdr', 0, false], ['fdr', 0.5, true], ['fdr', 1, false], ['fdr', '0.05', false],
      ['min_inputs', undefined, false], ['min_inputs', 0, false], ['min_inputs', 1, true], ['min_inputs', 1.5, false],
      ['score_shift', undefined, false], ['score_shift', 0, false], ['score_shift', 0.01, true], ['score_shift', '0.2', false],
      ['trigger_set', undefined, false], ['trigger_set', '', false], ['trigger_set', 7, false],
      ['alpha', 0.05, false],
    ]);
  });
});

describe('red-team thresholds and facts', () => {
  const accepted = acceptor(redteamDefinition);
  const base = shipped['redteam']!;

  it('accept the shipped thresholds and hold each field to its constraint', () => {
    expect(accepted(base)).toBe(true);
    expectFields(accepted, base, [
      ['severities', undefined, false], ['severities', [], false], ['severities', ['low', 'low'], false], ['severities', ['low', ''], false], ['severities', ['only'], true], ['severities', 'low', false],
      ['block_at', undefined, false], ['block_at', '', false], ['block_at', 3, false],
      ['risk_owners', undefined, false], ['risk_owners', [], true], ['risk_owners', [''], false], ['risk_owners', 'risk-owner', false],
      ['max_engagement_age_seconds', undefined, false], ['max_engagement_age_seconds', 0, false], ['max_engagement_age_seconds', 1, true], ['max_engagement_age_seconds', 1.5, false],
      ['max_age', 1, false],
    ]);
  });

  it('place the engagement start and end in time for the policy, by name', () => {
    expect(redteamDefinition.times!({ engagement: { start: '2026-11-01T00:00:00Z', end: '2026-11-08T12:00:00Z', name: 'q4' } }))
      .toEqual({ engagement_start: '2026-11-01T00:00:00Z', engagement_end: '2026-11-08T12:00:00Z' });
  });

  it("check a risk owner's acceptance: the engagement, the finding, a rationale and when", () => {
    const acceptance = { engagement: 'q4', finding: 'RT-1', rationale: 'mitigated by the output filter', createdAt: '2026-11-09T00:00:00Z' };
    expect(riskAcceptanceValidator.problem(acceptance)).toBeUndefined();
    for (const field of Object.keys(acceptance)) {
      const { [field as 'engagement']: _, ...without } = acceptance;
      expect(riskAcceptanceValidator.problem(without), `${field} missing`).toBeDefined();
    }
  });
});

describe('data-provenance thresholds and facts', () => {
  const accepted = acceptor(dataProvenanceDefinition);
  const base = shipped['data-provenance']!;
  const denied = { digest: `sha256:${'d'.repeat(64)}`, reason: 'poisoned' };

  it('accept the shipped thresholds and need each list', () => {
    expect(accepted(base)).toBe(true);
    for (const field of ['builders', 'dataset_signers', 'base_model_publishers', 'approved_sources', 'denied_digests']) expectFields(accepted, base, [[field, undefined, false], [field, 'x', false]]);
    expectFields(accepted, base, [['allowed_digests', [], false]]);
  });

  it('need at least one builder, and signer ids that are not empty', () => {
    expectFields(accepted, base, [
      ['builders', [], false], ['builders', [''], false], ['builders', ['ci'], true],
      ['dataset_signers', [], true], ['dataset_signers', [''], false], ['dataset_signers', [3], false],
      ['base_model_publishers', [], true], ['base_model_publishers', [''], false], ['base_model_publishers', [3], false],
    ]);
  });

  it('take approved sources only as a directory of a host: scheme, host, and a path ending in "/"', () => {
    for (const [source, ok] of [
      ['https://datasets.example/', true], ['https://datasets.example/approved/', true], ['s3://bucket/a/b/', true], ['git+ssh://host.example/repo/', true],
      ['https://datasets.example/approved', false], ['https://datasets.example', false], ['datasets.example/approved/', false], ['1http://host/', false],
      ['https:///approved/', false], ['https://host/a?b/', false], ['https://host/a#b/', false], ['https://host/approved/ ', false], [' https://host/approved/', false],
    ] as const) {
      expectFields(accepted, base, [['approved_sources', [source], ok]]);
    }
  });

  it('need each denied digest to be a sha256 digest with a reason, and nothing else', () => {
    for (const [entry, ok] of [
      [denied, true], [{ digest: denied.digest }, false], [{ reason: 'poisoned' }, false], [{ ...denied, reason: '' }, false],
      [{ ...denied, digest: `sha256:${'D'.repeat(64)}` }, false], [{ ...denied, digest: `sha256:${'d'.repeat(63)}` }, false], [{ ...denied, digest: `sha512:${'d'.repeat(64)}` }, false],
      [{ ...denied, digest: `xsha256:${'d'.repeat(64)}` }, false], [{ ...denied, digest: `sha256:${'d'.repeat(64)}0` }, false], [{ ...denied, added: '2026-11-01' }, false], [denied.digest, false],
    ] as const) {
      expectFields(accepted, base, [['denied_digests', [entry], ok]]);
    }
  });

  it("name each signer it recorded by the bundle it signed: the provenance's and each signed material's", () => {
    const signer = (name: string) => ({ kind: 'key', keyid: name }) as never;
    const predicate = {
      provenance: { bundleDigest: 'sha256:p', signer: signer('builder') },
      materials: [
        { uri: 'a', signature: { bundleDigest: 'sha256:m1', signer: signer('data') } },
        { uri: 'b', signature: null },
        { uri: 'c', signature: { bundleDigest: 'sha256:m3', signer: signer('publisher') } },
      ],
    };
    expect(dataProvenanceDefinition.namedSigners!(predicate)).toEqual({ 'sha256:p': signer('builder'), 'sha256:m1': signer('data'), 'sha256:m3': signer('publisher') });
    expect(dataProvenanceDefinition.namedSigners!({ provenance: { bundleDigest: 'sha256:p', signer: null }, materials: [] })).toEqual({ 'sha256:p': null });
  });

  it("check a data team's dataset statement: a name and when, and what else it says typed", () => {
    const statement = { name: 'chat', uri: 'https://datasets.example/chat.jsonl', license: 'CC0-1.0', description: 'chat turns', createdAt: '2026-11-01T00:00:00Z' };
    expect(datasetValidator.problem(statement)).toBeUndefined();
    expect(datasetValidator.problem({ name: 'chat', createdAt: '2026-11-01T00:00:00Z' })).toBeUndefined();
    for (const field of ['name', 'createdAt']) {
      const { [field as 'name']: _, ...without } = statement;
      expect(datasetValidator.problem(without), `${field} missing`).toBeDefined();
    }
  });
});
