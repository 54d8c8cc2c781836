import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAIRNESS_METRICS, evaluateBias, figuresOf, type BiasThresholds } from '../../src/gates/bias/evaluate.ts';
import { readCounterfactuals, readPredictions, type Prediction } from '../../src/gates/bias/predictions.ts';
import golden from '../fixtures/golden/bias/metrics.json' with { type: 'json' };
import { FIXTURES, temporaryDirectory } from '../helpers.ts';

const PREDICTIONS = join(FIXTURES, 'golden', 'bias', 'predictions.csv');
const CONFIG = { policyDigest: null, evaluatedAt: '2026-11-22T10:00:00Z', seed: 3, resamples: 400, level: 0.95 };
const DIGEST = `sha256:${'b'.repeat(64)}`;
const close = (actual: number | null, expected: number) => expect(Math.abs(actual! - expected), `${actual} vs ${expected}`).toBeLessThan(1e-12);

function groupsOf(predictions: Prediction[], attributes: string[]) {
  const groups = new Map<string, Prediction[]>();
  for (const p of predictions) {
    const key = attributes.map((a) => p.groups[a]).join('&');
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, members]) => figuresOf(name, members));
}

describe('fairness metrics against fairlearn', () => {
  for (const [key, attributes] of [['gender', ['gender']], ['gender_age', ['gender', 'age']]] as const) {
    it(`match fairlearn and scikit-learn for ${attributes.join(' x ')}`, async () => {
      const expected = golden[key];
      const figures = groupsOf(await readPredictions(PREDICTIONS, { groups: ['gender', 'age'] }), [...attributes]);
      expect(figures.map((g) => g.name)).toEqual(Object.keys(expected.groups).sort());
      for (const group of figures) {
        const want = expected.groups[group.name as keyof typeof expected.groups] as { n: number; selection_rate: number; true_positive_rate: number; false_positive_rate: number; brier: number; ece: number };
        expect(group.n).toBe(want.n);
        close(group.selectionRate, want.selection_rate);
        close(group.truePositiveRate, want.true_positive_rate);
        close(group.falsePositiveRate, want.false_positive_rate);
        close(group.brier, want.brier);
        close(group.calibrationError, want.ece);
      }
      for (const name of ['demographic_parity_difference', 'demographic_parity_ratio', 'equal_opportunity_difference', 'equalized_odds_difference'] as const) {
        close(FAIRNESS_METRICS[name]!(figures), expected[name]);
      }
    });
  }
});

describe('evaluateBias', () => {
  const thresholds = (metrics: Record<string, number>, min = 100): BiasThresholds => ({ metrics, min_group_size: min });

  it('fails a demographic parity gap whose whole interval is above the maximum, and passes a generous one', async () => {
    const predictions = await readPredictions(PREDICTIONS, { groups: ['gender'] });
    const strict = evaluateBias({ predictions, datasetDigest: DIGEST }, { ...CONFIG, thresholds: thresholds({ demographic_parity_difference: 0.05 }) });
    expect(strict.predicate.verdict).toBe('fail');
    expect(strict.predicate.metrics[0]!.ci.low).toBeGreaterThan(0.05);
    const generous = evaluateBias({ predictions, datasetDigest: DIGEST }, { ...CONFIG, thresholds: thresholds({ demographic_parity_difference: 0.25 }) });
    expect(generous.predicate.verdict).toBe('pass');
    expect(generous.predicate.metrics[0]!.value).toBeCloseTo(golden.gender.demographic_parity_difference, 12);
  });

  it('judges the parity ratio as a minimum: a low ratio fails, a high one passes', async () => {
    const predictions = await readPredictions(PREDICTIONS, { groups: ['gender'] });
    const ratio = FAIRNESS_METRICS['demographic_parity_ratio']!(groupsOf(predictions, ['gender']))!;
    const above = evaluateBias({ predictions, datasetDigest: DIGEST }, { ...CONFIG, thresholds: thresholds({ demographic_parity_ratio: Math.min(1, ratio + 0.3) }) });
    expect(above.predicate.verdict).toBe('fail');
    expect(above.predicate.reasons.join('\n')).toMatch(/demographic_parity_ratio is .* against a minimum of/);
    const below = evaluateBias({ predictions, datasetDigest: DIGEST }, { ...CONFIG, thresholds: thresholds({ demographic_parity_ratio: Math.max(0, ratio - 0.3) }) });
    expect(below.predicate.verdict).toBe('pass');
  });

  it('treats a group below the minimum size as insufficient evidence, never a pass', async () => {
    const predictions = await readPredictions(PREDICTIONS, { groups: ['gender', 'age'] });
    const report = evaluateBias({ predictions, datasetDigest: DIGEST }, { ...CONFIG, thresholds: thresholds({ demographic_parity_difference: 0.9 }, 1000) });
    expect(report.predicate.verdict).toBe('insufficient-evidence');
    expect(report.predicate.reasons[0]).toMatch(/groups below the minimum size 1000: f&\w+ \(n = \d+\)/);
  });

  it('is reproducible from its seed', async () => {
    const predictions = await readPredictions(PREDICTIONS, { groups: ['gender'] });
    const run = () => evaluateBias({ predictions, datasetDigest: DIGEST }, { ...CONFIG, thresholds: thresholds({ equal_opportunity_difference: 0.2 }) }).predicate;
    expect(run()).toEqual(run());
  });

  it('reports the counterfactual flip rate and judges it when the policy sets a maximum', async () => {
    const dir = await temporaryDirectory();
    const path = join(dir, 'pairs.jsonl');
    writeFileSync(path, Array.from({ length: 200 }, (_, i) => JSON.stringify({ id: `c${i}`, output_a: 'approve', output_b: i % 10 === 0 ? 'deny' : 'approve' })).join('\n'));
    const predictions = await readPredictions(PREDICTIONS, { groups: ['gender'] });
    const report = evaluateBias({ predictions, counterfactuals: await readCounterfactuals(path), datasetDigest: DIGEST }, { ...CONFIG, thresholds: thresholds({ demographic_parity_difference: 0.25, counterfactual_flip_rate: 0.02 }) });
    expect(report.predicate.counterfactual).toEqual({ pairs: 200, flipRate: 0.1 });
    expect(report.predicate.metrics.find((m) => m.name === 'counterfactual_flip_rate')!.verdict).toBe('fail');
  });

  it('is insufficient evidence when the policy sets a flip-rate maximum and no pairs are given', async () => {
    const predictions = await readPredictions(PREDICTIONS, { groups: ['gender'] });
    const report = evaluateBias({ predictions, datasetDigest: DIGEST }, { ...CONFIG, thresholds: thresholds({ demographic_parity_difference: 0.25, counterfactual_flip_rate: 0.02 }) });
    expect(report.predicate.verdict).toBe('insufficient-evidence');
    expect(report.predicate.reasons).toEqual(['counterfactual_flip_rate: the policy sets a maximum but no counterfactual pairs were given']);
  });
});

describe('readPredictions', () => {
  const write = async (text: string, name = 'p.csv') => {
    const path = join(await temporaryDirectory(), name);
    writeFileSync(path, text);
    return path;
  };

  it.each([
    ['an empty file', 'id,label,prediction,g\n', /no predictions in file/],
    ['a missing group column', 'id,label,prediction\na,1,1\n', /row 2: missing group column g/],
    ['a bad label', 'id,label,prediction,g\na,2,1,x\n', /row 2: label must be 0 or 1/],
    ['NaN as a score', 'id,label,score,g\na,1,NaN,x\n', /row 2: score must be a number in \[0, 1\]/],
    ['a duplicate id', 'id,label,prediction,g\na,1,1,x\na,0,0,y\n', /row 3: duplicate id "a"/],
    ['a short row', 'id,label,prediction,g\na,1,1\n', /row 2: 3 fields for 4 columns/],
  ])('refuses %s with the row', async (_, text, message) => {
    const path = await write(text);
    await expect(readPredictions(path, { groups: ['g'] })).rejects.toMatchObject({ path, message: expect.stringMatching(message) });
  });

  it('reads quoted CSV fields and JSONL, deriving predictions from scores at the threshold', async () => {
    const csv = await write('id,label,score,g\n"a,1",1,0.7,"x ""quoted"""\nb,0,0.2,y\n');
    expect(await readPredictions(csv, { groups: ['g'], threshold: 0.5 })).toEqual([
      { id: 'a,1', label: 1, prediction: 1, score: 0.7, groups: { g: 'x "quoted"' } },
      { id: 'b', label: 0, prediction: 0, score: 0.2, groups: { g: 'y' } },
    ]);
    const jsonl = await write('{"id": "a", "label": 1, "prediction": 0, "g": "x"}\n', 'p.jsonl');
    expect(await readPredictions(jsonl, { groups: ['g'] })).toEqual([{ id: 'a', label: 1, prediction: 0, groups: { g: 'x' } }]);
  });
});

describe('gatehouse gate bias', () => {
  it('signs a verdict with the policy bundle thresholds and writes its report, exiting 1 when a gap is too wide', async () => {
    const { ROOT, gatehouse } = await import('../helpers.ts');
    const dir = await temporaryDirectory();
    const keys = join(ROOT, 'examples', 'keys');
    const result = gatehouse([
      'gate', 'bias', '--subject', `sha256:${'c'.repeat(64)}`, '--predictions', PREDICTIONS, '--dataset', PREDICTIONS, '--group', 'gender', '--group', 'age',
      '--policy', join(ROOT, 'bundles', 'gatehouse.tar.gz'), '--policy-key', join(keys, 'policy-team.pub'), '--resamples', '200',
      '--key', join(keys, 'bias-gate.key'), '--out', join(dir, 'bias.sigstore.json'), '--report-dir', join(dir, 'reports'), '--json',
    ]);
    expect(result.status, result.stderr).toBe(1);
    const { statement } = JSON.parse(result.stdout);
    expect(statement.predicate.verdict).toBe('fail');
    expect(statement.predicate.minGroupSize).toBe(100);
    expect(statement.predicate.groups).toHaveLength(6);
    expect(statement.predicate.metrics.map((m: { name: string }) => m.name)).toEqual(['calibration_error_difference', 'demographic_parity_difference', 'equal_opportunity_difference']);
    expect(statement.predicate.evidence.map((e: { role: string }) => e.role)).toEqual(['dataset', 'predictions', 'report']);
    const { createHash } = await import('node:crypto');
    const fileDigest = `sha256:${createHash('sha256').update(readFileSync(PREDICTIONS)).digest('hex')}`;
    expect(statement.predicate.evidence.find((e: { role: string }) => e.role === 'predictions').digest).toBe(fileDigest);
  });
});
