// Attacks on the decision: every way around the chain we know of, each through
// the real CLI (main(), in this process) and the committed policy bundle, each
// asserting the refusal and its violation code or exit code. The legitimate
// chain is allowed in the same file, so no case passes vacuously.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleOf, cli, codes, COMMITTED_BUNDLE, makeWorld, POLICY_PUB, productionEvidence, resigned, signWith, storeOf, tampered, verify, withPayload, type World } from './world.ts';

let world: World;
let production: Record<string, Buffer>;

beforeAll(async () => {
  world = await makeWorld();
  // A production approval request over the staging chain, approved by two ML reviewers and a safety reviewer; then the canary.
  production = await productionEvidence(world);
}, 120_000);

afterAll(() => world?.cleanup());

/** An attack that must be refused: the decision denies with exactly these violation codes among its own. */
function denied(result: Awaited<ReturnType<typeof verify>>, ...expected: string[]): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.json?.allowed).toBe(false);
  for (const code of expected) expect(codes(result), JSON.stringify(result.json?.violations)).toContain(code);
}

const STAGING_GATES = ['integrity', 'provenance', 'regression', 'safety', 'bias', 'robustness', 'backdoor'];
const POLICY_BOUND_GATES = ['provenance', 'regression', 'safety', 'bias', 'robustness', 'backdoor'];

describe('the legitimate chain', () => {
  it('is allowed to staging through the real CLI with the committed bundle', async () => {
    const result = await verify(world, storeOf(world));
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json.allowed).toBe(true);
    expect(result.json.violations).toEqual([]);
  });

  it('is allowed to production with three approvals and a canary', async () => {
    const result = await verify(world, storeOf(world, { extra: production }), [], 'production');
    expect(result.code, JSON.stringify(result.json?.violations)).toBe(0);
  });
});

describe('bypass: pipeline skip (a gate step removed)', () => {
  for (const gate of STAGING_GATES) {
    it(`denies staging without the ${gate} gate`, async () => {
      denied(await verify(world, storeOf(world, { drop: [gate] })), 'required_gate_missing', 'required_gate_unsatisfied');
    });
  }
  for (const name of ['approval-alice.json', 'canary.json']) {
    it(`denies production without ${name.replace('.json', '')}`, async () => {
      const extra = { ...production };
      delete extra[name];
      denied(await verify(world, storeOf(world, { extra }), [], 'production'), name.startsWith('canary') ? 'required_gate_missing' : 'approvals_insufficient');
    });
  }
  it('denies production with the staging chain alone', async () => {
    denied(await verify(world, storeOf(world), [], 'production'), 'required_gate_missing', 'approval_request_missing');
  });
  it('denies an empty store', async () => {
    denied(await verify(world, storeOf(world, { drop: STAGING_GATES })), 'required_gate_missing');
  });
});

describe('bypass: flag override (there is no flag that skips or weakens a check)', () => {
  for (const flag of ['--skip-safety-check', '--force', '--insecure', '--no-verify', '--allow-unsigned', '--skip-gate=safety', '--insecure-ignore-tlog', '--ignore-thresholds']) {
    it(`refuses ${flag} as bad usage`, async () => {
      const result = await verify(world, storeOf(world, { drop: ['safety'] }), [flag]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/unknown option/);
    });
  }
  it('refuses a gate command asked to skip its check', async () => {
    const result = await cli(['gate', 'safety', '--skip', '--subject', world.subject]);
    expect(result.code).toBe(2);
  });
});

describe('bypass: direct deployment (a model that went through no pipeline)', () => {
  it('denies a model with no attestations at all', async () => {
    const result = await cli(['verify', '--subject', `sha256:${'5e'.repeat(32)}`, '--store', storeOf(world), '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB, '--stage', 'staging', '--deployed', world.deployed, '--json']);
    expect(result.code).toBe(1);
    expect(codes(result)).toContain('subject_mismatch');
  });
  it("denies candidate B on candidate A's chain", async () => {
    const result = await cli(['verify', '--subject', world.other, '--store', storeOf(world), '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB, '--stage', 'staging', '--deployed', world.deployed, '--json']);
    expect(result.code).toBe(1);
    expect(codes(result)).toEqual(expect.arrayContaining(['subject_mismatch', 'required_gate_unsatisfied']));
  });
  it('denies a chain whose statements were re-pointed at another model without re-signing', async () => {
    const extra = Object.fromEntries(world.chain.map((b) => [`${b.gate}.json`, withPayload(b.bytes, (s) => (s.subject[0].digest.sha256 = world.other.slice(7)))]));
    const result = await cli(['verify', '--subject', world.other, '--store', storeOf(world, { drop: STAGING_GATES, extra }), '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB, '--stage', 'staging', '--deployed', world.deployed, '--json']);
    expect(result.code).toBe(1);
    expect(codes(result)).toContain('attestation_unverified');
  });
});

describe('bypass: environment manipulation (no variable weakens a check)', () => {
  for (const name of ['GATEHOUSE_SKIP_VERIFY', 'GATEHOUSE_INSECURE', 'GATEHOUSE_ALLOW_UNSIGNED', 'GATEHOUSE_SKIP_GATES', 'SIGSTORE_NO_VERIFY', 'OPA_SKIP_SIGNATURE']) {
    it(`still denies a chain without safety when ${name}=1`, async () => {
      process.env[name] = '1';
      try {
        denied(await verify(world, storeOf(world, { drop: ['safety'] })), 'required_gate_missing');
      } finally {
        delete process.env[name];
      }
    });
  }
});

describe('bypass: threshold manipulation', () => {
  it('refuses the committed bundle with its data loosened (signature no longer matches)', async () => {
    const { execFileSync } = await import('node:child_process');
    const { readFileSync } = await import('node:fs');
    const dir = join(world.dir, 'loosened');
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', COMMITTED_BUNDLE, '-C', dir]);
    const data = JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8'));
    data.gatehouse.thresholds.regression.metrics.accuracy.tolerance = 0.5;
    writeFileSync(join(dir, 'data.json'), JSON.stringify(data));
    execFileSync('tar', ['-czf', join(dir, 'loose.tar.gz'), '-C', dir, 'data.json', 'policy.wasm', '.manifest', '.signatures.json', 'policies']);
    const result = await cli(['verify', '--subject', world.subject, '--store', storeOf(world), '--policy', join(dir, 'loose.tar.gz'), '--policy-key', POLICY_PUB, '--stage', 'staging', '--deployed', world.deployed]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/policy bundle refused: .*data\.json does not match its signed digest/);
  });
  it("refuses a bundle signed by the operator's own key as the policy", async () => {
    const result = await cli(['verify', '--subject', world.subject, '--store', storeOf(world), '--policy', COMMITTED_BUNDLE, '--policy-key', join(world.dir, '..', 'nope.pub'), '--stage', 'staging', '--deployed', world.deployed]);
    expect(result.code).toBe(2);
  });
  it('refuses the committed bundle checked against a gate key instead of the policy key', async () => {
    const result = await cli(['verify', '--subject', world.subject, '--store', storeOf(world), '--policy', COMMITTED_BUNDLE, '--policy-key', join(world.dir, '..', '..', 'x.pub'), '--stage', 'staging', '--deployed', world.deployed]);
    expect(result.code).toBe(2);
  });
  for (const gate of POLICY_BOUND_GATES) {
    it(`denies ${gate} evidence judged under another policy bundle`, async () => {
      const other = await resigned(world, gate, (p) => (p['policy'] = { digest: `sha256:${'0b'.repeat(32)}` }));
      denied(await verify(world, storeOf(world, { drop: [gate], extra: { [`${gate}.json`]: other } })), 'policy_not_accepted', 'required_gate_unsatisfied');
    });
    it(`denies ${gate} evidence that records no policy`, async () => {
      const unbound = await resigned(world, gate, (p) => (p['policy'] = null));
      const result = await verify(world, storeOf(world, { drop: [gate], extra: { [`${gate}.json`]: unbound } }));
      expect(result.code).toBe(1);
      expect(codes(result)).toEqual(expect.arrayContaining(['required_gate_unsatisfied']));
    });
  }
  it('re-judges regression figures whatever thresholds the gate recorded', async () => {
    const loose = await resigned(world, 'regression', (p) => {
      p['thresholds'] = { metrics: { accuracy: { direction: 'higher', tolerance: 0.5 } } };
      const accuracy = p['metrics'].find((m: { name: string }) => m.name === 'accuracy');
      accuracy.ci.low = -0.2;
      accuracy.delta = -0.1;
    });
    denied(await verify(world, storeOf(world, { drop: ['regression'], extra: { 'regression.json': loose } })), 'metric_out_of_tolerance');
  });
});

describe('gate manipulation: metric manipulation (a verdict of pass on failing figures)', () => {
  const cases: Array<[string, string, (p: Record<string, any>) => void, string]> = [
    ['accuracy interval below the tolerance', 'regression', (p) => Object.assign(p['metrics'].find((m: any) => m.name === 'accuracy'), { delta: -0.05, ci: { low: -0.06, high: -0.04, level: 0.95 } }), 'metric_out_of_tolerance'],
    ['accuracy interval straddling the tolerance', 'regression', (p) => Object.assign(p['metrics'].find((m: any) => m.name === 'accuracy'), { delta: -0.015, ci: { low: -0.05, high: 0.02, level: 0.95 } }), 'metric_out_of_tolerance'],
    ['p99 latency interval above its tolerance', 'regression', (p) => Object.assign(p['metrics'].find((m: any) => m.name === 'latency_p99'), { delta: 0.2, ci: { low: 0.15, high: 0.25, level: 0.95 } }), 'metric_out_of_tolerance'],
    ['p99 latency interval straddling its tolerance', 'regression', (p) => Object.assign(p['metrics'].find((m: any) => m.name === 'latency_p99'), { delta: 0.05, ci: { low: -0.05, high: 0.15, level: 0.95 } }), 'metric_out_of_tolerance'],
    ['a required metric left out', 'regression', (p) => (p['metrics'] = p['metrics'].filter((m: any) => m.name !== 'quality')), 'metric_missing'],
    ['a regression hidden behind a second, good copy of the metric', 'regression', (p) => p['metrics'].push({ ...p['metrics'].find((m: any) => m.name === 'accuracy'), delta: -0.1, ci: { low: -0.12, high: -0.08, level: 0.95 } }), 'metric_out_of_tolerance'],
    ['a safety category below its minimum', 'safety', (p) => (p['categories'].find((c: any) => c.name === 'jailbreak').lowerBound = 0.5), 'safety_category_below_threshold'],
    ['a required safety category left out', 'safety', (p) => (p['categories'] = p['categories'].filter((c: any) => c.name !== 'harmful_content')), 'safety_category_below_threshold'],
    ['over-refusal above its maximum', 'safety', (p) => (p['overRefusal'].upperBound = 0.4), 'over_refusal_above_threshold'],
    ['a fairness gap above its maximum', 'bias', (p) => (p['metrics'].find((m: any) => m.name === 'demographic_parity_difference').ci.high = 0.3), 'fairness_gap_above_threshold'],
    ['a required fairness metric left out', 'bias', (p) => (p['metrics'] = p['metrics'].filter((m: any) => m.name !== 'equal_opportunity_difference')), 'fairness_metric_missing'],
    ['a verdict of pass with failing reasons', 'regression', (p) => (p['verdict'] = 'insufficient-evidence'), 'gate_not_passed'],
    ['a failing integrity verdict', 'integrity', (p) => (p['verdict'] = 'fail'), 'gate_not_passed'],
    ['a failing provenance verdict', 'provenance', (p) => (p['verdict'] = 'fail'), 'gate_not_passed'],
  ];
  for (const [name, gate, change, code] of cases) {
    it(`denies ${name}, signed by the gate's own key`, async () => {
      const forged = await resigned(world, gate, change);
      denied(await verify(world, storeOf(world, { drop: [gate], extra: { [`${gate}.json`]: forged } })), code);
    });
  }
  for (const gate of STAGING_GATES) {
    it(`treats ${gate} evidence whose evaluation time was moved without re-signing as evidence of nothing`, async () => {
      const edited = withPayload(bundleOf(world, gate).bytes, (s) => (s.predicate.evaluatedAt = '2099-01-01T00:00:00Z'));
      denied(await verify(world, storeOf(world, { drop: [gate], extra: { [`${gate}.json`]: edited } })), 'attestation_unverified', 'required_gate_unsatisfied');
    });
  }
});

describe('settings the gate operator chose, and figures the policy re-judges', () => {
  const metricOf = (p: Record<string, any>, name: string) => p['metrics'].find((m: any) => m.name === name);
  const judgedSlice = (p: Record<string, any>) => p['slices'].find((s: any) => s.ci !== undefined);
  const cases: Array<[string, string, (p: Record<string, any>) => void, string]> = [
    ['a regression seed chosen instead of derived', 'regression', (p) => (p['seed'] = 42), 'regression_seed_not_derived'],
    ['a backdoor trigger that stands out recorded as not flagged', 'backdoor', (p) => Object.assign(p['results'][0], { candidateChanged: 200, referenceChanged: 18, candidateOnly: 186, referenceOnly: 4, pValue: 3.4e-50, qValue: 1, flagged: false }), 'backdoor_trigger_stands_out'],
    ['a backdoor scan on fewer inputs than the policy requires', 'backdoor', (p) => { p['dataset'].inputs = 40; for (const r of p['results']) r.n = 40; }, 'backdoor_too_few_inputs'],
    ['a robustness family above its maximum marked pass', 'robustness', (p) => Object.assign(p['families'][0], { hits: 12, rate: 0.1, ci: { low: 0.0527, high: 0.1681, level: 0.95 }, upperBound: 0.1681, verdict: 'pass' }), 'robustness_family_above_maximum'],
    ['a robustness record on the attack set that leaves out its dataset', 'robustness', (p) => delete p['dataset'], 'robustness_source_not_accepted'],
    ['fewer bootstrap resamples than the policy sets', 'regression', (p) => (p['resamples'] = 200), 'regression_resamples_mismatch'],
    ['an interval at a lower level than the policy requires', 'regression', (p) => (metricOf(p, 'accuracy').ci.level = 0.8), 'interval_level_wrong'],
    ['an interval that excludes its own estimate', 'regression', (p) => (metricOf(p, 'quality').delta = 0.5), 'interval_malformed'],
    ['an interval with its ends swapped', 'regression', (p) => Object.assign(metricOf(p, 'accuracy').ci, { low: 0.05, high: -0.001 }), 'interval_malformed'],
    ['run figures from too few runs', 'regression', (p) => (metricOf(p, 'throughput').runs = { candidate: 1, baseline: 1 }), 'run_metric_too_few_runs'],
    ['a large slice reported as if too small to judge', 'regression', (p) => { const slice = judgedSlice(p); for (const key of ['ci', 'tolerance', 'pValue', 'qValue', 'verdict']) delete slice[key]; }, 'slice_not_judged'],
    ['a slice interval narrowed to the unadjusted level', 'regression', (p) => (judgedSlice(p).ci.level = 0.95), 'slice_interval_invalid'],
    ['a slice beyond its tolerance relabelled pass', 'regression', (p) => Object.assign(judgedSlice(p), { delta: -0.2, ci: { ...judgedSlice(p).ci, low: -0.25, high: -0.15 }, verdict: 'pass' }), 'slice_out_of_tolerance'],
    ['a slice hidden by shrinking its size below the minimum', 'regression', (p) => Object.assign(judgedSlice(p), { n: 10, delta: -0.3, ci: { ...judgedSlice(p).ci, low: -0.4, high: -0.2 } }), 'slice_interval_invalid'],
    ['a bias operating point the policy did not set', 'bias', (p) => (p['scoreThreshold'] = 0.2), 'fairness_operating_point'],
    ['a group below the minimum size', 'bias', (p) => (p['groups'][0].n = 20), 'fairness_group_too_small'],
    ['a smaller minimum group size than the policy sets', 'bias', (p) => { p['minGroupSize'] = 1; p['groups'][0].n = 20; }, 'fairness_group_too_small'],
    ['dataset rows left unanswered', 'bias', (p) => (p['answered'] = p['dataset'].rows - 500), 'fairness_rows_unanswered'],
    ['a fairness interval that excludes its estimate', 'bias', (p) => (metricOf(p, 'demographic_parity_difference').value = 0.2), 'fairness_interval_malformed'],
    ['a fairness interval at a lower level', 'bias', (p) => (metricOf(p, 'equal_opportunity_difference').ci.level = 0.5), 'fairness_interval_malformed'],
    ['a judge the policy does not accept', 'safety', (p) => (p['judge'] = { kind: 'llm', name: 'llm:lenient', version: 'prompt-sha256:0', model: 'lenient', endpoint: 'http://127.0.0.1:9/v1' }), 'safety_judge_not_accepted'],
    ['a safety category with counts that do not add up', 'safety', (p) => (p['categories'][0].passed = p['categories'][0].n + 50), 'safety_counts_inconsistent'],
    ['prompts of the pinned set left unanswered', 'safety', (p) => (p['dataset'].answered = p['dataset'].prompts + 1), 'safety_counts_inconsistent'],
    ['a safety bound at a lower level', 'safety', (p) => (p['categories'][0].ci.level = 0.5), 'safety_interval_malformed'],
  ];
  for (const [name, gate, change, code] of cases) {
    it(`denies ${name}, signed by the gate's own key`, async () => {
      const forged = await resigned(world, gate, change);
      denied(await verify(world, storeOf(world, { drop: [gate], extra: { [`${gate}.json`]: forged } })), code);
    });
  }
  it('does not judge a fairness metric the policy sets no threshold for', async () => {
    const forged = await resigned(world, 'bias', (p) => p['metrics'].push({ name: 'demographic_parity_ratio', value: 0.2, ci: { low: 0.1, high: 0.3, level: 0.95 }, verdict: 'pass', method: 'koopman-pairwise-bonferroni', undefinedGroups: 0 }));
    const result = await verify(world, storeOf(world, { drop: ['bias'], extra: { 'bias.json': forged } }));
    // The committed policy sets no ratio minimum, so the extra metric is not judged: still allowed.
    expect(result.code).toBe(0);
  });
});

describe('gate manipulation: evaluation-data poisoning (evaluated on another dataset)', () => {
  const fields: Record<string, string> = { regression: 'evaluationSet', safety: 'dataset', bias: 'dataset' };
  for (const [gate, field] of Object.entries(fields)) {
    it(`denies ${gate} evaluated on a dataset other than the pinned one`, async () => {
      const swapped = await resigned(world, gate, (p) => (p[field].digest = `sha256:${'ab'.repeat(32)}`));
      denied(await verify(world, storeOf(world, { drop: [gate], extra: { [`${gate}.json`]: swapped } })), 'dataset_not_pinned');
    });
  }
});

describe('identities: who signs what', () => {
  for (const [gate, wrongKey] of [['integrity', 'safety-gate'], ['provenance', 'integrity-gate'], ['regression', 'bias-gate'], ['safety', 'regression-gate'], ['bias', 'approver-alice']] as const) {
    it(`denies ${gate} evidence signed by ${wrongKey}, which is not authorised for it`, async () => {
      const forged = await resigned(world, gate, () => {}, wrongKey);
      denied(await verify(world, storeOf(world, { drop: [gate], extra: { [`${gate}.json`]: forged } })), 'signer_not_authorised', 'required_gate_unsatisfied');
    });
  }
  for (const gate of STAGING_GATES) {
    it(`treats ${gate} evidence signed by a key the policy does not know as evidence of nothing`, async () => {
      const { generateKeyPair } = await import('../../src/keys/keys.ts');
      const { writeFileSync: write } = await import('node:fs');
      const pair = generateKeyPair();
      const keyDir = join(world.dir, 'keys');
      mkdirSync(keyDir, { recursive: true });
      write(join(keyDir, `${gate}-stranger.key`), pair.privateKeyPEM);
      const { readPrivateKey } = await import('../../src/keys/keys.ts');
      const { KeySigner } = await import('../../src/sign/key/key-signer.ts');
      const { signStatement } = await import('../../src/sign/attest.ts');
      const bundle = bundleOf(world, gate);
      const bytes = Buffer.from(JSON.stringify(await signStatement(bundle.statement as never, { signer: new KeySigner(await readPrivateKey(join(keyDir, `${gate}-stranger.key`))) })));
      denied(await verify(world, storeOf(world, { drop: [gate], extra: { [`${gate}.json`]: bytes } })), 'attestation_unverified');
    });
  }
  it('denies a key hint that names the authorised key on a bundle signed by another', async () => {
    const forged = tampered(await resigned(world, 'regression', () => {}, 'bias-gate'), (b) => (b.verificationMaterial.publicKey.hint = JSON.parse(bundleOf(world, 'regression').bytes.toString()).verificationMaterial.publicKey.hint));
    denied(await verify(world, storeOf(world, { drop: ['regression'], extra: { 'regression.json': forged } })), 'signer_not_authorised');
  });
  it('denies a model signed by someone the policy does not let sign models', async () => {
    const stranger = await resigned(world, 'provenance', (p) => (p['modelSignature'].signer = { kind: 'key', keyId: `SHA256:${'Q'.repeat(43)}`, algorithm: 'ecdsa-p256' }));
    denied(await verify(world, storeOf(world, { drop: ['provenance'], extra: { 'provenance.json': stranger } })), 'model_signer_not_authorised');
  });
  it('denies when the provenance evidence names no model signer (the author rule fails closed)', async () => {
    const nobody = await resigned(world, 'provenance', (p) => (p['modelSignature'].signer = null));
    denied(await verify(world, storeOf(world, { drop: ['provenance'], extra: { 'provenance.json': nobody } })), 'model_author_unknown');
  });
  for (const gate of ['regression', 'safety', 'bias', 'robustness', 'backdoor']) {
    it(`denies the model's author signing the ${gate} evidence`, async () => {
      const byAuthor = await resigned(world, gate, () => {}, 'training-pipeline');
      denied(await verify(world, storeOf(world, { drop: [gate], extra: { [`${gate}.json`]: byAuthor } })), 'signer_not_authorised');
    });
  }
});

describe('identities: approvals', () => {
  const approvalBy = async (key: string, decision: string, stage: string, offsetMs = 0) => {
    const template = JSON.parse(Buffer.from(JSON.parse(production['approval-alice.json']!.toString()).dsseEnvelope.payload, 'base64').toString());
    template.predicate.decision = decision;
    template.predicate.stage = stage;
    template.predicate.evaluatedAt = new Date(world.judgedAt.getTime() + offsetMs).toISOString().replace('.000Z', 'Z');
    return signWith(key, template);
  };
  it('denies production when a later rejection withdraws an approval', async () => {
    const extra = { ...production, 'bob-rejects.json': await approvalBy('approver-bob', 'reject', 'production', 1000) };
    denied(await verify(world, storeOf(world, { extra }), [], 'production'), 'approvals_insufficient', 'approval_rejected');
  });
  it('allows production when a later approval replaces a rejection', async () => {
    const extra = { ...production, 'bob-rejected-first.json': await approvalBy('approver-bob', 'reject', 'production', -1000) };
    expect((await verify(world, storeOf(world, { extra }), [], 'production')).code).toBe(0);
  });
  it('denies two approvals from one approver counted as two', async () => {
    const extra = { ...production, 'approval-bob.json': await approvalBy('approver-alice', 'approve', 'production', 1000) };
    denied(await verify(world, storeOf(world, { extra }), [], 'production'), 'approvals_insufficient');
  });
  it('denies an approval given for another stage', async () => {
    const extra = { ...production, 'approval-bob.json': await approvalBy('approver-bob', 'approve', 'staging') };
    denied(await verify(world, storeOf(world, { extra }), [], 'production'), 'approvals_insufficient');
  });
  it('denies an approval signed by a key not authorised to approve', async () => {
    const extra = { ...production, 'approval-bob.json': await approvalBy('bias-gate', 'approve', 'production') };
    denied(await verify(world, storeOf(world, { extra }), [], 'production'), 'approvals_insufficient');
  });
  it("denies the model's author approving it", async () => {
    const extra = { ...production, 'approval-bob.json': await approvalBy('training-pipeline', 'approve', 'production') };
    denied(await verify(world, storeOf(world, { extra }), [], 'production'), 'approvals_insufficient');
  });
  it('denies a canary compared with a model other than the deployed one', async () => {
    const payload = JSON.parse(Buffer.from(JSON.parse(production['canary.json']!.toString()).dsseEnvelope.payload, 'base64').toString());
    payload.predicate.baseline.digest = `sha256:${'0c'.repeat(32)}`;
    const extra = { ...production, 'canary.json': await signWith('canary-controller', payload) };
    denied(await verify(world, storeOf(world, { extra }), [], 'production'), 'baseline_mismatch');
  });
  it('denies production without a deployed model to compare the canary with', async () => {
    const result = await cli(['verify', '--subject', world.subject, '--store', storeOf(world, { extra: production }), '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB, '--stage', 'production', '--json']);
    denied(result, 'deployed_model_unknown');
    expect(result.json.violations.filter((v: { code: string }) => v.code === 'deployed_model_unknown').map((v: { gate: string }) => v.gate).sort()).toEqual(['backdoor', 'canary', 'regression']);
  });
});

describe('time', () => {
  const at = (offsetMs: number) => new Date(world.judgedAt.getTime() + offsetMs).toISOString();
  for (const gate of STAGING_GATES) {
    it(`denies ${gate} evidence older than its freshness window`, async () => {
      const result = await verify(world, storeOf(world), ['--at', at(604_800_000 + 1000)]);
      denied(result, 'attestation_stale');
      expect(result.json.violations.filter((v: { code: string }) => v.code === 'attestation_stale').map((v: { gate: string }) => v.gate)).toContain(gate);
    });
  }
  it('allows evidence exactly at the end of its freshness window', async () => {
    expect((await verify(world, storeOf(world), ['--at', at(604_800_000)])).code).toBe(0);
  });
  it('denies evidence dated after the evaluation time (an audit cannot use later evidence)', async () => {
    denied(await verify(world, storeOf(world), ['--at', at(-1000)]), 'attestation_from_future');
  });
  it('allows evidence evaluated exactly at the evaluation time', async () => {
    expect((await verify(world, storeOf(world), ['--at', at(0)])).code).toBe(0);
  });
  for (const evaluatedAt of ['2026-11-22T23:59:60Z', '2026-02-30T10:00:00Z', '2026-11-22T10:00:00+00', '2026-11-22T10:00:00+24:00', '2026-11-22 10:00:00Z', '+275760-09-13T00:00:00Z']) {
    it(`rejects evidence whose evaluatedAt ${JSON.stringify(evaluatedAt)} cannot be placed in time (no crash, never fresh)`, async () => {
      const odd = await resigned(world, 'bias', (p) => (p['evaluatedAt'] = evaluatedAt));
      const result = await verify(world, storeOf(world, { drop: ['bias'], extra: { 'bias.json': odd } }));
      denied(result, 'attestation_unverified', 'required_gate_unsatisfied');
      expect(JSON.stringify(result.json.rejected)).toMatch(/cannot be placed in time|does not match its schema/);
    });
  }
  it('denies evidence forward-dated into the future of a later check', async () => {
    const forward = await resigned(world, 'bias', (p) => (p['evaluatedAt'] = '2099-01-01T00:00:00Z'));
    denied(await verify(world, storeOf(world, { drop: ['bias'], extra: { 'bias.json': forward } })), 'attestation_from_future');
  });
  it('says when a decision was made at a requested time rather than now', async () => {
    const result = await verify(world, storeOf(world), ['--at', at(60_000)]);
    expect(result.code).toBe(0);
    expect(result.json.evaluationTimeSource).toBe('requested');
    const now = await verify(world, storeOf(world));
    expect(now.json.evaluationTimeSource).toBe('clock');
  });
});
