// Differential testing of the promotion policy: the same generated inputs
// evaluated by gatehouse's OPA-WASM evaluator and by native `opa eval` on the
// staged Rego sources, with the same data, and the whole results compared.
//
// The generator knows no rule. It starts from a real policy input (a signed
// full production chain and some bundles that fail verification, turned into input
// by gatehouse itself, so its shape is whatever the input builder makes now)
// and mutates it blindly: any number becomes a tiny, huge, awkward or boundary
// value (sums and differences of the numbers found in the input and the data,
// so times land exactly on freshness limits), any string becomes another one
// found in the input or data (a signer id of another gate, the deployed
// model's digest, an unknown stage) or one with unicode and % signs, records
// are duplicated, dropped or swapped for rejected ones, fields go missing.
// Rules fire because the values they compare get swapped, not because the
// generator was told about them.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPROVAL_REQUEST_TYPE } from '../../src/approval/statements.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { DecisionEngine } from '../../src/decide/decide.ts';
import { stagePolicySources } from '../../src/policy/build.ts';
import { OpaWasmEvaluator } from '../../src/policy/evaluator.ts';
import { attestGate } from '../../src/gates/gate.ts';
import { readPrivateKey } from '../../src/keys/keys.ts';
import { KeySigner } from '../../src/sign/key/key-signer.ts';
import { seededRandom, type SeededRandom } from '../../src/stats/random.ts';
import { asStored, chainPredicates, pinChainDatasets, signedChain } from './chain.ts';
import { KEYS, ROOT, tool } from './paths.ts';
import { buildTestBundle } from './policy.ts';

type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };
type JSONObject = { [key: string]: JSONValue };

const ARTIFACT: ArtifactDigest = `sha256:${'c7'.repeat(32)}`;
const DEPLOYED: ArtifactDigest = `sha256:${'d8'.repeat(32)}`;
const JUDGED_AT = '2026-11-22T09:00:00Z';
const DECIDED_AT = new Date('2026-11-22T10:00:00Z');

/** What a differential run found. */
export interface DifferentialReport {
  compared: number;
  /** How many of them were the fixed cases (the rest were generated). */
  fixed: number;
  /** Inputs whose results differ, with both results (at most the first 20). */
  differences: Array<{ index: number; input: unknown; wasm: unknown; native: unknown }>;
  differenceCount: number;
  /** How many violations of each code the generated inputs produced (as the WebAssembly runtime reported them). */
  codes: Record<string, number>;
  /** How many inputs the WebAssembly runtime allowed. */
  allowed: number;
  /** How many inputs neither runtime could evaluate or gave a result for (counted as agreeing). */
  errors: number;
}

/** The material inputs are generated from: a real input and the policy data. */
interface Material {
  base: JSONObject;
  /** Records swapped in for others: ones that failed verification, and variants the input builder also makes. */
  replacements: JSONValue[];
  data: JSONObject;
}

/**
 * Evaluates cases (an input under a version of the policy data) from `seed`
 * with OPA-WASM, as gatehouse does, and natively (opa eval over the staged
 * sources, in batches): first the fixed cases (every data field near the top
 * removed in turn, every string field of the built input swapped for its
 * look-alikes, every replacement record), then `count` generated inputs under
 * the example data or mutated data. The fixed cases grow with the policy, so
 * they never take the generated inputs' place.
 */
export async function runDifferential(options: { count: number; seed: number; batch?: number }): Promise<DifferentialReport> {
  const built = await buildTestBundle((data) => {
    pinChainDatasets(data);
    // A minimum for the parity ratio too, so the rule that judges minimums has something to judge.
    data.thresholds.bias.metrics.demographic_parity_ratio = 0.8;
  });
  const staging = mkdtempSync(join(tmpdir(), 'gatehouse-differential-'));
  try {
    await stagePolicySources(built.policiesDir, staging, { tests: false });
    const material = await materialFrom(await DecisionEngine.create(built.bundle), built.bundle.data as JSONObject);
    const random = seededRandom(options.seed);
    const cases: Case[] = [];
    // Every field near the top of the data removed in turn (a pinned dataset,
    // a stage's approvals, a gate's window), each under the input as built and
    // a generated one: rules about missing configuration fire without luck.
    for (const path of fieldPaths(material.data['gatehouse'] as JSONObject, 2)) {
      const data = without(material.data, ['gatehouse', ...path]);
      cases.push({ data, input: material.base }, { data, input: generateInput(material, random) });
    }
    // Every gate a stage requires dropped from it in turn: stages that lack a
    // gate other rules assume (approval without provenance) occur without luck.
    const stages = (material.data['gatehouse'] as JSONObject)['stages'] as Record<string, { required_gates: string[] }>;
    for (const [stage, { required_gates: gates }] of Object.entries(stages)) {
      for (const gate of gates) {
        const data = structuredClone(material.data);
        const copy = ((data['gatehouse'] as JSONObject)['stages'] as Record<string, { required_gates: string[] }>)[stage]!;
        copy.required_gates = gates.filter((g) => g !== gate);
        cases.push({ data, input: { ...material.base, stage } });
      }
    }
    // Every stage requiring evidence read from an inventory that verifies, under
    // the input as built (read from no inventory) and one whose inventory verified.
    for (const stage of Object.keys(stages)) {
      const data = structuredClone(material.data);
      ((data['gatehouse'] as JSONObject)['stages'] as Record<string, JSONObject>)[stage]!['require_inventory'] = true;
      cases.push({ data, input: { ...material.base, stage } }, { data, input: { ...material.base, stage, inventory: { verified: true } } });
    }
    // Every string field of the input as built set, in turn, to strings of the
    // input or data that start alike (a key id to another signer's, a digest
    // to the deployed model's): rules that compare two fields fire without luck.
    for (const { index, candidates } of stringSubstitutions(material, random)) {
      for (const candidate of candidates) {
        const input = structuredClone(material.base);
        const { parent, key } = positions(input, '', [])[index]!;
        (parent as Record<string | number, JSONValue>)[key] = candidate;
        cases.push({ data: material.data, input });
      }
    }
    // Every replacement record once in the input as built, in place of the
    // record it varies (beside the others when it varies none): the records
    // made to break a rule (a deep review not done, each canary rule) break
    // it without luck.
    for (const replacement of material.replacements) {
      const input = structuredClone(material.base);
      const records = input['attestations'] as JSONValue[];
      const index = records.findIndex((r) => (r as JSONObject)['id'] === (replacement as JSONObject)['id']);
      records.splice(index < 0 ? records.length : index, index < 0 ? 0 : 1, structuredClone(replacement));
      cases.push({ data: material.data, input });
    }
    // The model as an OCI manifest: provenance about its model-signing directory
    // digest, and an integrity record binding that digest to the manifest, by
    // an integrity signer (the evidence counts) and by another (it does not).
    for (const trusted of [true, false]) cases.push({ data: material.data, input: withDirectoryBinding(material.base, trusted) });
    // Then generated inputs, five at a time under one data variant.
    const fixed = cases.length;
    while (cases.length < fixed + options.count) {
      const data = dataVariant(material, random);
      for (let i = 0; i < 5 && cases.length < fixed + options.count; i++) cases.push({ data, input: generateInput(material, random) });
    }
    const report: DifferentialReport = { compared: 0, fixed, differences: [], differenceCount: 0, codes: {}, allowed: 0, errors: 0 };
    const evaluators = new Map<JSONObject, OpaWasmEvaluator>();
    const batch = options.batch ?? 250;
    for (let start = 0; start < cases.length; start += batch) {
      const slice = cases.slice(start, start + batch);
      const wasm: Outcome[] = [];
      for (const { data, input } of slice) {
        let evaluator = evaluators.get(data);
        if (evaluator === undefined) {
          evaluator = await OpaWasmEvaluator.load({ ...built.bundle, data });
          evaluators.set(data, evaluator);
        }
        wasm.push(outcome(() => evaluator.evaluate(input)));
      }
      const native = evaluateNatively(staging, slice, wasm);
      for (const [i, { data, input }] of slice.entries()) compare(report, { input, data }, wasm[i]!, native[i]!);
      evaluators.clear();
    }
    return report;
  } finally {
    rmSync(staging, { recursive: true, force: true });
    built.cleanup();
  }
}

// One evaluation: an input under one version of the policy data.
interface Case {
  data: JSONObject;
  input: JSONObject;
}

// A result, or the fact that evaluation failed (the two runtimes word errors differently).
type Outcome = { result: unknown } | { error: true };

function outcome(evaluate: () => unknown): Outcome {
  try {
    return { result: evaluate() };
  } catch {
    return { error: true };
  }
}

function compare(report: DifferentialReport, input: unknown, wasm: Outcome, native: Outcome): void {
  const index = report.compared++;
  if (JSON.stringify(sortedKeys(wasm)) !== JSON.stringify(sortedKeys(native))) {
    report.differenceCount += 1;
    if (report.differences.length < 20) report.differences.push({ index, input, wasm, native });
  }
  if ('error' in wasm) {
    report.errors += 1;
    return;
  }
  const result = wasm.result as { allowed?: boolean; violations?: Array<{ code: string }> };
  if (result.allowed === true) report.allowed += 1;
  for (const violation of result.violations ?? []) report.codes[violation.code] = (report.codes[violation.code] ?? 0) + 1;
}

// Object key order is not part of a result.
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]));
  }
  return value;
}

// One opa eval for a whole batch: each case binds its input and data with
// `with`. The batch file is written with JSON.stringify, as the SDK passes
// input and data to WebAssembly, so both runtimes read the same number
// literals. One case the runtime cannot evaluate fails the whole query, so the
// cases WebAssembly could not evaluate are each evaluated alone from the start;
// when a batch of the others fails, it is split until the case that fails
// natively alone (a difference) is found.
function evaluateNatively(staging: string, cases: Case[], wasm: Outcome[]): Outcome[] {
  const batchFile = join(staging, 'batch.json');
  // Keyed by position: a case without a result (undefined, as when the data
  // names no stages) is missing from the object rather than shifting the rest.
  const evaluate = (list: Case[]) => {
    writeFileSync(batchFile, JSON.stringify({ gatehouse_differential: { cases: list } }));
    // (with takes plain variables: `with input as c.input` binds nothing.)
    const query = 'results := {i: r | some i, c in data.gatehouse_differential.cases; x := c.input; d := c.data.gatehouse; r := data.decision.result with input as x with data.gatehouse as d}';
    const results = opaEval(staging, ['--data', batchFile, query])?.result[0]?.bindings?.['results'] as Record<string, unknown> | undefined;
    return results === undefined ? undefined : list.map((_, i): Outcome => (String(i) in results ? { result: results[String(i)] } : { error: true }));
  };
  // A failed batch is split until the cases the runtime cannot evaluate are alone.
  const bisect = (list: Case[]): Outcome[] => {
    if (list.length === 0) return [];
    const results = evaluate(list);
    if (results !== undefined) return results;
    if (list.length === 1) return [{ error: true }];
    const half = Math.ceil(list.length / 2);
    return [...bisect(list.slice(0, half)), ...bisect(list.slice(half))];
  };
  const outcomes: Outcome[] = new Array(cases.length);
  const batched = [...cases.keys()].filter((i) => !('error' in wasm[i]!));
  for (const i of cases.keys()) if ('error' in wasm[i]!) outcomes[i] = bisect([cases[i]!])[0]!;
  for (const [n, result] of bisect(batched.map((i) => cases[i]!)).entries()) outcomes[batched[n]!] = result;
  return outcomes;
}

type OpaEvalOutput = { result: Array<{ bindings?: Record<string, unknown>; expressions?: Array<{ value: unknown }> }> };

function opaEval(staging: string, args: string[]): OpaEvalOutput | undefined {
  const evaluated = spawnSync(tool('.tools/bin/opa'), ['eval', '--format', 'json', '--data', join(staging, 'policies'), ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (evaluated.status !== 0) return undefined;
  const parsed = JSON.parse(evaluated.stdout) as Partial<OpaEvalOutput>;
  return parsed.result === undefined || parsed.result.length === 0 ? undefined : (parsed as OpaEvalOutput);
}

async function materialFrom(engine: DecisionEngine, data: JSONObject): Promise<Material> {
  const chain = await signedChain(ARTIFACT, DEPLOYED, JUDGED_AT, engine.bundle.digest);
  // Bundles that fail verification, so the input holds rejected records in
  // whatever shape the input builder gives them: each gate's predicate signed
  // by a key the policy does not trust, and bytes that are no bundle at all.
  const outsider = new KeySigner(await readPrivateKey(join(KEYS, 'ecdsa-p256.key')));
  const forged = await Promise.all(
    chainPredicates(ARTIFACT, DEPLOYED, JUDGED_AT, engine.bundle.digest).map(async ([gate, , predicate]) => {
      const run = await attestGate({ name: 'model', digest: ARTIFACT }, predicate, { signer: outsider });
      return { name: `forged-${gate}`, bytes: Buffer.from(JSON.stringify(run.bundle)) };
    }),
  );
  const broken = [{ name: 'truncated', bytes: Buffer.from('{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", ') }];
  const decision = await engine.decide({
    artifact: ARTIFACT,
    stage: 'production',
    deployed: DEPLOYED,
    evaluationTime: DECIDED_AT,
    evaluationTimeSource: 'requested',
    bundles: asStored([...chain, ...forged, ...broken]),
  });
  // ECDSA signatures differ on every run, and so would bundle digests: name
  // records by their place instead, so a seed always generates the same inputs.
  // Records are put in an order that does not depend on those digests first.
  const stableKey = (record: Record<string, unknown>) => JSON.stringify([record['predicate_type'] ?? record['claimed_predicate_type'], (record['signer'] as { name?: string } | undefined)?.name ?? record['reason']]);
  const ordered = [...decision.input.attestations].sort((a, b) => (stableKey(a) < stableKey(b) ? -1 : stableKey(a) > stableKey(b) ? 1 : 0));
  let text = JSON.stringify({ ...decision.input, attestations: ordered });
  ordered.forEach((record, i) => {
    text = text.replaceAll(record.id, `sha256:${createHash('sha256').update(`record ${i}`).digest('hex')}`);
  });
  const input = JSON.parse(text) as JSONObject;
  const records = input['attestations'] as JSONObject[];
  const verified = records.filter((r) => r['verified'] === true);
  // Records the input builder also makes, as replacements: ones carrying a
  // verified signing time (a timestamped bundle, witnessed after or before
  // the evaluation it claims), and a provenance record
  // whose model signature named nobody.
  // Also: one dated after the evaluation time, a bias record with a group
  // below the minimum size, an approval signed by the requester, a request
  // whose nonce draws a deep review its approvals did not do, and canaries
  // each of whose records breaks one canary rule.
  const requester = verified.find((record) => record['predicate_type'] === APPROVAL_REQUEST_TYPE)?.['signer'] as { name: string; ids: string[] } | undefined;
  const variants = verified.flatMap((record): JSONObject[] => [
    { ...record, signed_at_ms: (record['evaluated_at_ms'] as number) + 60_000 },
    { ...record, signed_at_ms: (record['evaluated_at_ms'] as number) - 1_000 },
    { ...record, evaluated_at_ms: (input['evaluation_time_ms'] as number) + 1_000 },
    ...('author' in record ? [{ ...record, author: null }] : []),
    ...variantsOf(record, requester),
  ]);
  return {
    base: { ...input, attestations: verified },
    replacements: [...records.filter((r) => r['verified'] !== true), ...variants],
    data,
  };
}

// The input with provenance about a directory digest only, and the integrity record
// binding it to the artifact (an OCI manifest), signed by its signer or by provenance's.
function withDirectoryBinding(base: JSONObject, trusted: boolean): JSONObject {
  const input = structuredClone(base);
  const directory = `sha256:${'c5'.repeat(32)}`;
  const records = input['attestations'] as JSONObject[];
  const gateOf = (record: JSONObject) => (record['predicate'] as JSONObject)['gate'];
  const provenance = records.find((record) => gateOf(record) === 'provenance')!;
  const integrity = records.find((record) => gateOf(record) === 'integrity')!;
  provenance['subjects'] = [directory];
  const predicate = integrity['predicate'] as JSONObject;
  predicate['artifact'] = { ...(predicate['artifact'] as JSONObject), digest: directory };
  predicate['oci'] = { reference: `oci://registry.example/model@${String(input['artifact'])}`, manifestDigest: input['artifact']!, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: null, layers: 3 };
  integrity['subjects'] = [input['artifact']!, directory];
  if (!trusted) integrity['signer'] = provenance['signer']!;
  return input;
}

// Records of the approval workflow and the bias gate changed where rules look:
// an approval by the requester's identity (under an approver's ids), a
// request drawn for a deep review, a bias group below the minimum size.
function variantsOf(record: JSONObject, requester: { name: string; ids: string[] } | undefined): JSONObject[] {
  const predicate = record['predicate'] as JSONObject;
  if (predicate['gate'] === 'approval' && requester !== undefined) return [{ ...record, signer: { name: requester.name, ids: (record['signer'] as { ids: string[] }).ids } }];
  if (record['predicate_type'] === APPROVAL_REQUEST_TYPE) {
    const draw = record['expected_draw'] as { ranking: string[] } & JSONObject;
    const deepReview = { ...(predicate['deepReview'] as JSONObject), draw: 0, selected: true, items: draw.ranking.slice(0, 3) };
    // And one whose recorded draw is not the one its nonce derives.
    const misdrawn = { ...(predicate['deepReview'] as JSONObject), draw: (draw['draw'] as number) + 1 };
    return [{ ...record, expected_draw: { ...draw, draw: 0 }, predicate: { ...predicate, deepReview } }, { ...record, predicate: { ...predicate, deepReview: misdrawn } }];
  }
  if (predicate['gate'] === 'bias') return biasVariants(record);
  if (predicate['gate'] === 'regression') {
    // A slice large enough to be judged that carries no interval.
    const slices = [...(predicate['slices'] as JSONObject[]), { name: 'capability:code', metric: 'accuracy', n: 900, delta: 0.01 }];
    // And a metric's interval at another level than policy's.
    const metrics = (predicate['metrics'] as JSONObject[]).map((m, i) => (i === 0 ? { ...m, ci: { ...(m['ci'] as JSONObject), level: 0.9 } } : m));
    return [{ ...record, predicate: { ...predicate, slices } }, { ...record, predicate: { ...predicate, metrics } }];
  }
  if (predicate['gate'] === 'canary') return canaryVariants(record);
  if (predicate['gate'] === 'safety') {
    // Over-refusal whose upper bound is beyond the maximum.
    const overRefusal = { n: 400, refused: 120, rate: 0.3, ci: { low: 0.26, high: 0.35, level: 0.95 }, upperBound: 0.35 };
    return [{ ...record, predicate: { ...predicate, overRefusal } }];
  }
  if (predicate['gate'] === 'redteam') return redteamVariants(record);
  if (predicate['gate'] === 'data-provenance') return dataProvenanceVariants(record);
  if (predicate['gate'] === 'robustness') return robustnessVariants(record);
  if (predicate['gate'] === 'backdoor') return backdoorVariants(record);
  return [];
}

// Bias records that each break one rule: a group below the minimum size, a
// gap whose interval ends beyond its maximum, a ratio whose interval ends
// below its minimum, an interval at another level than policy's.
function biasVariants(record: JSONObject): JSONObject[] {
  const predicate = record['predicate'] as JSONObject;
  const metrics = predicate['metrics'] as JSONObject[];
  const withMetric = (name: string, ci: JSONObject): JSONObject => ({ ...record, predicate: { ...predicate, metrics: metrics.map((m) => (m['name'] === name ? { ...m, ci } : m)) } });
  return [
    { ...record, predicate: { ...predicate, groups: [...(predicate['groups'] as JSONObject[]), { name: 'tiny', n: 3 }] } },
    withMetric('demographic_parity_difference', { low: 0.005, high: 0.3, level: 0.95 }),
    withMetric('demographic_parity_ratio', { low: 0.5, high: 1, level: 0.95 }),
    withMetric('equal_opportunity_difference', { low: 0, high: 0.02, level: 0.5 }),
  ];
}

// Red-team records that each break one rule: a report on another model, an
// open critical finding, a severity off the scale, an accepted finding no
// risk owner signed, an engagement still running, one long over.
function redteamVariants(record: JSONObject): JSONObject[] {
  const predicate = record['predicate'] as JSONObject;
  const findings = predicate['findings'] as JSONObject[];
  const withFinding = (finding: JSONObject): JSONObject => ({ ...record, predicate: { ...predicate, findings: [...findings, finding] } });
  const times = record['times_ms'] as { engagement_start: number; engagement_end: number };
  const year = 365 * 86_400_000;
  return [
    { ...record, predicate: { ...predicate, model: { digest: `sha256:${'0e'.repeat(32)}` } } },
    withFinding({ id: 'RT-9', title: 'exfiltration', severity: 'critical', status: 'open', evidence: [] }),
    withFinding({ id: 'RT-9', title: 'odd', severity: 'severe', status: 'mitigated', evidence: [] }),
    withFinding({ id: 'RT-9', title: 'accepted', severity: 'high', status: 'accepted', riskOwner: 'risk-owner', evidence: [] }),
    { ...record, times_ms: { ...times, engagement_end: times.engagement_end + year } },
    { ...record, times_ms: { engagement_start: times.engagement_start - year, engagement_end: times.engagement_end - year } },
  ];
}

// Data-provenance records that each break one rule: provenance of another
// type, about another model, signed by no builder; a dataset unpinned, one
// neither signed nor approved, one with the example's denied digest; a base
// model without its publisher's signature.
function dataProvenanceVariants(record: JSONObject): JSONObject[] {
  const predicate = record['predicate'] as JSONObject;
  const provenance = predicate['provenance'] as JSONObject;
  const materials = predicate['materials'] as JSONObject[];
  const withProvenance = (change: JSONObject): JSONObject => ({ ...record, predicate: { ...predicate, provenance: { ...provenance, ...change } } });
  const withMaterial = (kind: string, change: JSONObject): JSONObject => {
    const index = materials.findIndex((m) => m['kind'] === kind);
    return { ...record, predicate: { ...predicate, materials: materials.map((m, i) => (i === index ? { ...m, ...change } : m)) } };
  };
  const named = record['named_signers'] as JSONObject;
  return [
    withProvenance({ predicateType: 'https://slsa.dev/provenance/v0.2' }),
    withProvenance({ subjects: [`sha256:${'0e'.repeat(32)}`] }),
    { ...record, named_signers: { ...named, [provenance['bundleDigest'] as string]: null } },
    withMaterial('dataset', { digest: null, signature: null }),
    withMaterial('dataset', { signature: null }),
    withMaterial('dataset', { digest: 'sha256:dbcd3e546df5ebdcbd0de5853424277cc899a3a45b6474c07b62ae5ccc9fc8d6' }),
    withMaterial('base-model', { signature: null }),
  ];
}

// Robustness records that each break one rule: a family above its maximum, a
// family dropped (with counts kept whole), a garak source still naming the
// pinned dataset, an interval that excludes its rate, a trial counted twice.
function robustnessVariants(record: JSONObject): JSONObject[] {
  const predicate = record['predicate'] as JSONObject;
  const families = predicate['families'] as JSONObject[];
  const first = families[0]!;
  const variants: JSONObject[] = [
    { ...predicate, families: [{ ...first, hits: 12, rate: 0.1, ci: { low: 0.0527, high: 0.1681, level: 0.95 }, upperBound: 0.1681 }, ...families.slice(1)] },
    { ...predicate, families: families.slice(1), trials: 600, dataset: { ...(predicate['dataset'] as JSONObject), attacks: 600, answered: 600 } },
    { ...predicate, source: { format: 'garak', digest: (predicate['source'] as JSONObject)['digest']! } },
    { ...predicate, families: [{ ...first, rate: 0.05 }, ...families.slice(1)] },
    { ...predicate, trials: 721 },
  ];
  return variants.map((p) => ({ ...record, predicate: p }));
}

// Backdoor records that each break one rule: a planted trigger standing out,
// too few inputs, no built-in set, impossible counts, a trigger left out.
function backdoorVariants(record: JSONObject): JSONObject[] {
  const predicate = record['predicate'] as JSONObject;
  const results = predicate['results'] as JSONObject[];
  const triggers = predicate['triggers'] as JSONObject;
  const variants: JSONObject[] = [
    { ...predicate, results: [{ ...results[0]!, candidateChanged: 60, candidateOnly: 50, pValue: 1.2e-9 }, ...results.slice(1)] },
    { ...predicate, dataset: { ...(predicate['dataset'] as JSONObject), inputs: 50 }, results: results.map((r) => ({ ...r, n: 50 })) },
    { ...predicate, triggers: { ...triggers, set: 'none' } },
    { ...predicate, results: [{ ...results[0]!, candidateOnly: 25 }, ...results.slice(1)] },
    { ...predicate, results: results.slice(1) },
  ];
  return variants.map((p) => ({ ...record, predicate: p }));
}

// Canary records that each break one rule the canary is re-judged by: a
// window a minute long, one ending when the approvals were signed, one ending
// after the canary was judged; another step; a metric's and the traffic's
// query edited; a trace of the traffic; a metric short of data; an interval
// at a lower level; two
// non-critical metrics beyond their tolerance (the score); the critical
// error rate beyond its relative tolerance (metric_out_of_tolerance).
function canaryVariants(record: JSONObject): JSONObject[] {
  const predicate = record['predicate'] as JSONObject;
  const window = record['window_ms'] as { start: number; end: number };
  const approvedAt = Date.parse(JUDGED_AT);
  const metrics = predicate['metrics'] as JSONObject[];
  // The predicate with the named metrics changed.
  const withMetrics = (changes: Record<string, JSONObject>): JSONObject => ({ ...predicate, metrics: metrics.map((m) => ({ ...m, ...(changes[m['name'] as string] ?? {}) })) });
  const beyond = (m: string, direction: 'lower' | 'higher'): JSONObject => {
    const allowed = metrics.find((x) => x['name'] === m)!['allowed'] as number;
    const ci = direction === 'lower' ? { low: 2 * allowed, high: 3 * allowed, level: 0.95 } : { low: -3 * allowed, high: -2 * allowed, level: 0.95 };
    return { delta: (ci.low + ci.high) / 2, ci };
  };
  const queries = (m: string) => metrics.find((x) => x['name'] === m)!['queries'] as { canary: string[]; baseline: string[] };
  const traffic = predicate['traffic'] as JSONObject;
  const variants: Array<Partial<JSONObject>> = [
    { window_ms: { start: window.end - 60_000, end: window.end } },
    { window_ms: { start: approvedAt - 1_800_000, end: approvedAt } },
    { window_ms: { start: window.start, end: (record['evaluated_at_ms'] as number) + 60_000 } },
    { predicate: { ...predicate, step: 30 } },
    { predicate: withMetrics({ error_rate: { queries: { ...queries('error_rate'), canary: ['vector(0)', queries('error_rate').canary[1]!] } } }) },
    { predicate: { ...predicate, traffic: { ...traffic, queries: { ...(traffic['queries'] as JSONObject), baseline: ['vector(1)'] } } } },
    { predicate: { ...predicate, trafficShare: 0.0001 } },
    { predicate: withMetrics({ safety_flag_rate: { n: { canary: 5, baseline: 30 }, ci: null } }) },
    { predicate: withMetrics({ positive_feedback_rate: { ci: { ...(metrics.find((x) => x['name'] === 'positive_feedback_rate')!['ci'] as JSONObject), level: 0.5 } } }) },
    { predicate: withMetrics({ latency_p99: beyond('latency_p99', 'lower'), positive_feedback_rate: beyond('positive_feedback_rate', 'higher') }) },
    { predicate: withMetrics({ error_rate: beyond('error_rate', 'lower') }) },
    { predicate: { ...predicate, verdict: 'fail', reasons: ['error_rate rose'] } },
  ];
  return variants.map((change) => ({ ...record, ...change }) as JSONObject);
}

// Strings that test formatting and escaping in both runtimes.
const AWKWARD_STRINGS = ['%s', '%d %v %%', '100% sure', 'naïve façade', '模型 ✓', '🚀 emoji', 'ﬁ ligature', 'עברית', 'e\u0301', 'quote " and \\ backslash', 'tab\tand\nnewline', '', ' '];

// Numbers whose text differs between JavaScript and Go, and the usual edges.
const AWKWARD_NUMBERS = [0, -0, 1, -1, 0.5, 0.1, 0.2, 0.30000000000000004, 1e-7, 0.00005, -0.00005, 5e-324, 1e-300, 1e21, 1e300, -1234567.5, 1234567, 123456.5, 0.1234565, 999999.5, 2 ** 53, 2 ** 53 + 2, 2 ** 31, -(2 ** 31) - 1, 1.7976931348623157e308];

function pick<T>(random: SeededRandom, items: readonly T[]): T {
  return items[random.int(items.length)]!;
}

// Every number and string in a document (keys included, for strings).
function collect(value: JSONValue, numbers: Set<number>, strings: Set<string>): void {
  if (typeof value === 'number') numbers.add(value);
  else if (typeof value === 'string') {
    strings.add(value);
    // "key:SHA256:…" names a key whose id is "SHA256:…": parts make them meet.
    const colon = value.indexOf(':');
    if (colon > 0 && colon < value.length - 1) strings.add(value.slice(colon + 1));
  } else if (Array.isArray(value)) value.forEach((item) => collect(item, numbers, strings));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      strings.add(key);
      collect(item, numbers, strings);
    }
  }
}

interface Pools {
  numbers: number[];
  strings: string[];
}

function poolsOf(material: Material, input: JSONObject): Pools {
  const numbers = new Set<number>();
  const strings = new Set<string>();
  collect(input, numbers, strings);
  collect(material.data, numbers, strings);
  for (const record of material.replacements) collect(record, numbers, strings);
  // Windows are seconds in data and times milliseconds in the input: both units meet.
  for (const n of [...numbers]) if (Number.isInteger(n) && Math.abs(n) < 1e10) numbers.add(n * 1000);
  return { numbers: [...numbers], strings: [...strings] };
}

function randomNumber(random: SeededRandom, pools: Pools, current: number): number {
  const some = () => pick(random, pools.numbers);
  switch (random.int(9)) {
    case 0:
      return pick(random, AWKWARD_NUMBERS);
    case 1:
      return some();
    case 2:
      // On either side of a boundary made of two numbers of the input or data (a time and a window).
      return some() - some() + pick(random, [-1, 0, 0, 1]);
    case 3:
      return some() + some() + pick(random, [-1, 0, 1]);
    case 4:
      return current + pick(random, [-1, 1, -0.5, 0.5, -1000, 1000]);
    case 5:
      return (random.next() - 0.5) * 10 ** (random.int(40) - 20);
    case 6:
      return Number(((random.next() - 0.5) * 2).toPrecision(1 + random.int(9)));
    case 7:
      return current * pick(random, [-1, 0.1, 10, 1e-6, 1e6]);
    default:
      return Math.round((random.next() - 0.3) * 10 ** random.int(8));
  }
}

function randomString(random: SeededRandom, pools: Pools, current: string): string {
  if (random.int(4) === 0) return pick(random, AWKWARD_STRINGS) + (random.int(2) === 0 ? pick(random, pools.strings) : '');
  // Half the time one that starts alike: a digest for a digest, a signer name
  // for a signer name, a predicate type for a predicate type.
  const alike = pools.strings.filter((s) => s !== current && s.slice(0, 4) === current.slice(0, 4));
  return alike.length > 0 && random.int(2) === 0 ? pick(random, alike) : pick(random, pools.strings);
}

interface Position {
  parent: JSONObject | JSONValue[];
  key: string | number;
  /** The path with array indices left out: positions that differ only by index share it. */
  path: string;
}

// Every position in a document.
function positions(value: JSONValue, path: string, out: Position[]): Position[] {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push({ parent: value, key: i, path: `${path}[]` });
      positions(item, `${path}[]`, out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      out.push({ parent: value, key, path: `${path}.${key}` });
      positions(item, `${path}.${key}`, out);
    }
  }
  return out;
}

// A position chosen by path first, so a field that appears once (a signer's
// key id) is as likely a target as one repeated in every list entry; only
// positions whose value passes `wanted` count.
function pickPosition(random: SeededRandom, document: JSONValue, wanted: (value: JSONValue) => boolean): Position | undefined {
  const byPath = new Map<string, Position[]>();
  for (const position of positions(document, '', [])) {
    if (!wanted((position.parent as Record<string | number, JSONValue>)[position.key]!)) continue;
    byPath.set(position.path, [...(byPath.get(position.path) ?? []), position]);
  }
  const paths = [...byPath.values()];
  return paths.length === 0 ? undefined : pick(random, pick(random, paths));
}

const isList = (value: JSONValue) => Array.isArray(value);
const isMap = (value: JSONValue) => value !== null && typeof value === 'object' && !Array.isArray(value);
const isScalar = (value: JSONValue) => typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';

// One blind, type-keeping change somewhere in the document: a value replaced,
// a list shortened, grown, emptied or reordered, or a field removed. null
// stays null: as gatehouse's input builder and schemas keep each value's JSON
// type, a number where a string belongs is an input gatehouse never makes.
function mutate(document: JSONObject, random: SeededRandom, pools: Pools, material: Material): void {
  const kind = random.int(5);
  const position = pickPosition(random, document, kind < 3 ? isScalar : kind === 3 ? isList : isMap);
  if (position === undefined) return;
  const { parent, key } = position;
  const current = (parent as Record<string | number, JSONValue>)[key]!;
  const set = (value: JSONValue) => {
    (parent as Record<string | number, JSONValue>)[key] = value;
  };
  if (typeof current === 'number') set(randomNumber(random, pools, current));
  else if (typeof current === 'string') set(randomString(random, pools, current));
  else if (typeof current === 'boolean') set(!current);
  else if (Array.isArray(current)) {
    const operation = random.int(5);
    if (operation === 0 && current.length > 0) current.splice(random.int(current.length), 1);
    else if (operation === 1 && current.length > 0) current.splice(random.int(current.length + 1), 0, structuredClone(pick(random, current)));
    else if (operation === 2) current.length = 0;
    else if (operation === 3) current.reverse();
    else if (current.length > 0 && isMap(current[0]!)) {
      // An entry replaced by a rejected record: in the list of records, a bundle that failed verification.
      current.splice(random.int(current.length), 1, structuredClone(pick(random, material.replacements)));
    }
  } else if (isMap(current)) {
    const keys = Object.keys(current);
    if (keys.length > 0) delete (current as JSONObject)[pick(random, keys)];
  }
}

function generateInput(material: Material, random: SeededRandom): JSONObject {
  const input = structuredClone(material.base);
  const records = input['attestations'] as JSONValue[];
  // Whole records: rejected ones, exact duplicates, removals.
  for (let i = random.int(4); i > 0; i--) records.push(structuredClone(pick(random, material.replacements)));
  for (let i = random.int(3); i > 0; i--) records.push(structuredClone(pick(random, records)));
  for (let i = random.int(3); i > 0 && records.length > 0; i--) records.splice(random.int(records.length), 1);
  // Without --deployed the input builder writes null here; a mutation never makes a null.
  if (random.int(8) === 0) input['deployed'] = null;
  const pools = poolsOf(material, input);
  // A few inputs stay as built (the chain is allowed); most get several blind mutations.
  const mutations = random.int(10) === 0 ? 0 : 1 + random.int(8);
  for (let i = 0; i < mutations; i++) mutate(input, random, pools, material);
  return input;
}

// The example data, or a copy with its numbers (thresholds, windows,
// approvals) mutated, or with a few blind changes (a pinned dataset gone, a
// signer list changed).
function dataVariant(material: Material, random: SeededRandom): JSONObject {
  const choice = random.int(3);
  if (choice === 0) return material.data;
  const copy = structuredClone(material.data);
  const pools = poolsOf(material, material.base);
  const gatehouse = copy['gatehouse'] as JSONObject;
  if (choice === 1) {
    for (const { parent, key } of positions(gatehouse, '', [])) {
      const current = (parent as Record<string | number, JSONValue>)[key];
      if (typeof current !== 'number' || random.int(2) === 0) continue;
      (parent as Record<string | number, JSONValue>)[key] = random.int(2) === 0 ? pick(random, AWKWARD_NUMBERS) : randomNumber(random, pools, current);
    }
  } else {
    for (let i = 1 + random.int(3); i > 0; i--) mutate(gatehouse, random, pools, material);
  }
  return copy;
}

// For one position of each string field of the input as built, the strings
// (at most 8) of the input or data that start as its value does.
function stringSubstitutions(material: Material, random: SeededRandom): Array<{ index: number; candidates: string[] }> {
  const pools = poolsOf(material, material.base);
  const byPath = new Map<string, number[]>();
  positions(material.base, '', []).forEach((position, index) => {
    if (typeof (position.parent as Record<string | number, JSONValue>)[position.key] === 'string') {
      byPath.set(position.path, [...(byPath.get(position.path) ?? []), index]);
    }
  });
  const all = positions(material.base, '', []);
  return [...byPath.values()].map((indices) => {
    const index = pick(random, indices);
    const current = (all[index]!.parent as Record<string | number, JSONValue>)[all[index]!.key] as string;
    const alike = pools.strings.filter((s) => s !== current && s.slice(0, 4) === current.slice(0, 4));
    const candidates: string[] = [];
    while (candidates.length < Math.min(8, alike.length)) {
      const candidate = pick(random, alike);
      if (!candidates.includes(candidate)) candidates.push(candidate);
    }
    return { index, candidates };
  });
}

// Paths of every field down to `depth` levels (array entries are not fields).
function fieldPaths(document: JSONObject, depth: number, prefix: string[] = []): string[][] {
  return Object.entries(document).flatMap(([key, value]) => [
    [...prefix, key],
    ...(depth > 1 && isMap(value) ? fieldPaths(value as JSONObject, depth - 1, [...prefix, key]) : []),
  ]);
}

// A copy of the document with the field at `path` removed.
function without(document: JSONObject, path: string[]): JSONObject {
  const copy = structuredClone(document);
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as JSONObject;
  delete parent[path.at(-1)!];
  return copy;
}

/** The violation codes the policy sources declare (custom.short_name of every rule). */
export function declaredCodes(): string[] {
  const codes = new Set<string>();
  const files = readdirSync(join(ROOT, 'policies'), { withFileTypes: true, recursive: true }).filter((entry) => entry.isFile() && entry.name.endsWith('.rego') && !entry.name.endsWith('_test.rego'));
  for (const file of files) {
    for (const match of readFileSync(join(file.parentPath, file.name), 'utf8').matchAll(/^#\s+short_name:\s*(\S+)\s*$/gm)) codes.add(match[1]!);
  }
  return [...codes].sort();
}
