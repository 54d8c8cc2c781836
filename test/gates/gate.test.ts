// What every gate shares, tested directly: signing a predicate about its
// subject (gate.ts), the registry of gates, the seed derived from what is
// judged, the sink and progress plumbing of workflow.ts, and a verdict in
// each report format (reports.ts).
import { createHash, createPrivateKey } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYAML } from 'yaml';
import type { GatePredicateBase } from '../../src/attest/predicates.ts';
import { attestGate, attestWithReport, describeArtifact, figure, gateMarkdown, gateThresholds, judgedBase, judgingContext } from '../../src/gates/gate.ts';
import type { GateDefinition } from '../../src/gates/definition.ts';
import { evaluateIntegrity } from '../../src/gates/integrity/evaluate.ts';
import { integrityGate } from '../../src/gates/integrity/index.ts';
import { GateRegistry, gateRegistry } from '../../src/gates/registry.ts';
import { gateReport, gateSummary } from '../../src/gates/reports.ts';
import { deriveSeed, SEED_BITS } from '../../src/gates/seed.ts';
import { deliverGateRun, fileSink, gateSubject, prepareFileSink, progressOption, type GateOutcome } from '../../src/gates/workflow.ts';
import { generateKeyPair } from '../../src/keys/keys.ts';
import type { VerifiedPolicyBundle } from '../../src/policy/bundle.ts';
import { KeySigner } from '../../src/sign/key/key-signer.ts';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import { MODEL_TREE, ROOT, temporaryDirectory } from '../helpers.ts';
import { memorySink } from '../support/sink.ts';
import golden from '../fixtures/golden/model-signing-digests.json' with { type: 'json' };

const AT = '2026-11-22T10:00:00Z';
const signing = { signer: new KeySigner(createPrivateKey(generateKeyPair().privateKeyPEM)) };
const FILE = join(ROOT, 'package.json');
const FILE_DIGEST = `sha256:${createHash('sha256').update(readFileSync(FILE)).digest('hex')}` as const;
const OTHER = `sha256:${'ee'.repeat(32)}` as const;


const integrityOutcome = async (expected: `sha256:${string}`) => integrityGate({ path: FILE, expected }, { evaluatedAt: new Date(AT), signing, sink: memorySink() });
/** An outcome whose predicate is changed (for verdicts and reasons the integrity gate does not give). */
const withPredicate = (outcome: GateOutcome<GatePredicateBase>, change: Partial<GatePredicateBase>): GateOutcome<GatePredicateBase> => ({
  ...outcome,
  statement: { ...outcome.statement, predicate: { ...outcome.statement.predicate!, ...change } },
});
const policy = (data: Record<string, unknown>): VerifiedPolicyBundle => ({ data, source: 'policy.tar.gz', digest: 'ab'.repeat(32) }) as unknown as VerifiedPolicyBundle;

describe('attestGate', () => {
  it('signs a statement about the subject, and any further subjects after it', async () => {
    const predicate = evaluateIntegrity({ artifact: { name: 'm', digest: FILE_DIGEST, kind: 'file' }, expected: { digest: FILE_DIGEST } }, { evaluatedAt: AT });
    const run = await attestGate({ name: 'm', digest: FILE_DIGEST }, predicate, signing, [{ name: 'also', digest: OTHER }]);
    expect(run.statement.subject).toEqual([
      { name: 'm', digest: { sha256: FILE_DIGEST.slice(7) } },
      { name: 'also', digest: { sha256: OTHER.slice(7) } },
    ]);
    expect(run.statement.predicateType).toBe(gateRegistry.get('integrity')!.predicateType);
    expect(JSON.parse(Buffer.from(run.bundle.dsseEnvelope!.payload, 'base64').toString('utf8'))).toEqual(run.statement);
  });

  it('refuses, as its own fault, a predicate of no registered gate and one that breaks its gate schema', async () => {
    const predicate = evaluateIntegrity({ artifact: { name: 'm', digest: FILE_DIGEST, kind: 'file' }, expected: { digest: FILE_DIGEST } }, { evaluatedAt: AT });
    await expect(attestGate({ name: 'm', digest: FILE_DIGEST }, { ...predicate, gate: 'nonesuch' } as never, signing)).rejects.toThrow(/^no gate named nonesuch is registered$/);
    await expect(attestGate({ name: 'm', digest: FILE_DIGEST }, { ...predicate, verdict: 'maybe' } as never, signing)).rejects.toThrow(/^the integrity gate produced a predicate that breaks its schema: .*verdict/);
  });
});

describe('attestWithReport', () => {
  it('names the digest of the report, which leads with the subject, in the signed evidence and the summary', async () => {
    const predicate = evaluateIntegrity({ artifact: { name: 'm', digest: FILE_DIGEST, kind: 'file' }, expected: { digest: FILE_DIGEST } }, { evaluatedAt: AT });
    const seen: GatePredicateBase[] = [];
    const subject = { name: 'm', digest: FILE_DIGEST };
    const run = await attestWithReport(subject, predicate, { figures: [1, 2] }, (signed) => (seen.push(signed), `# summary ${signed.evidence.length}\n`), signing);
    expect(run.reportJSON).toBe(`${JSON.stringify({ subject, figures: [1, 2] }, null, 2)}\n`);
    const evidence = { role: 'report', digest: `sha256:${createHash('sha256').update(run.reportJSON).digest('hex')}` };
    expect(run.statement.predicate!.evidence).toEqual([evidence]);
    expect(seen).toEqual([run.statement.predicate]);
    expect(run.markdown).toBe('# summary 1\n');
  });
});

describe('describeArtifact', () => {
  it('describes a file by its name and digest, and a directory by its manifest', async () => {
    expect(await describeArtifact(FILE)).toEqual({ name: 'package.json', digest: FILE_DIGEST, kind: 'file' });
    const directory = await describeArtifact(MODEL_TREE);
    expect(directory).toMatchObject({ name: 'model-tree', digest: `sha256:${golden.files.digest}`, kind: 'directory', serialization: { method: 'files' }, resources: golden.files.resources.length });
    expect(directory.bytes).toBeGreaterThan(0);
  });
});

describe('gateThresholds', () => {
  it("reads the gate's thresholds from the bundle's data, checked against its schema", () => {
    const thresholds = { categories: { jailbreak: 0.95 }, max_over_refusal: 0.1, judges: [{ kind: 'rules', name: 'gatehouse-refusal-rules', version: '1' }] };
    expect(gateThresholds(policy({ gatehouse: { thresholds: { safety: thresholds } } }), 'safety')).toBe(thresholds);
  });

  it('refuses missing or malformed thresholds naming the bundle, and a gate that takes none', () => {
    for (const data of [{}, { gatehouse: {} }, { gatehouse: { thresholds: {} } }, { gatehouse: { thresholds: { safety: { ...{ categories: { jailbreak: 0.95 }, max_over_refusal: 'low' } } } } }]) {
      expect(() => gateThresholds(policy(data), 'safety')).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', path: 'policy.tar.gz:data.json', message: expect.stringContaining('safety thresholds') }));
    }
    expect(() => gateThresholds(policy({}), 'integrity')).toThrow(/^gate integrity has no thresholds schema$/);
    expect(() => gateThresholds(policy({}), 'nonesuch')).toThrow(/^gate nonesuch has no thresholds schema$/);
  });
});

describe('figure, judgingContext and judgedBase', () => {
  it('writes figures to four significant digits, and a dash for none', () => {
    expect([null, undefined, 0, 0.123456, 1234567, -0.000123456, 2].map(figure)).toEqual(['-', '-', '0', '0.1235', '1235000', '-0.0001235', '2']);
  });

  it('records the policy digest, the evaluation time and the 95% level', () => {
    expect(judgingContext(policy({}), new Date(AT))).toEqual({ policyDigest: `sha256:${'ab'.repeat(32)}`, evaluatedAt: AT, level: 0.95 });
    expect(judgingContext(policy({}), new Date('2026-11-22T10:00:00.900Z')).evaluatedAt).toBe('2026-11-22T10:00:00.900Z');
  });

  it('keeps reasons only for a verdict other than pass, and no policy when none judged', () => {
    const config = { evaluatedAt: AT, policyDigest: 'sha256:00', thresholds: { x: 1 } };
    expect(judgedBase('safety', 'pass', ['kept?'], config)).toMatchObject({ gate: 'safety', verdict: 'pass', reasons: [], policy: { digest: 'sha256:00' }, thresholds: { x: 1 }, evaluatedAt: AT });
    expect(judgedBase('safety', 'fail', ['why'], config).reasons).toEqual(['why']);
    expect(judgedBase('safety', 'insufficient-evidence', ['why'], { ...config, policyDigest: null })).toMatchObject({ reasons: ['why'], policy: null });
    expect(judgedBase('safety', 'pass', [], config).engine).toEqual(expect.objectContaining({ name: 'gatehouse' }));
  });
});

describe('gateMarkdown', () => {
  it('titles the gate and its verdict, and lists the reasons escaped', () => {
    const predicate = { gate: 'integrity', verdict: 'fail', reasons: ['a *b* [c](d)', '<script>'] } as GatePredicateBase;
    expect(gateMarkdown(predicate, 'sha256:ab')).toBe('# Integrity gate: FAIL\n\nModel sha256\\:ab\n\n## Why\n\n- a \\*b\\* \\[c\\]\\(d\\)\n- \\<script\\>\n');
    expect(gateMarkdown({ ...predicate, verdict: 'pass', reasons: [] }, 'sha256:ab')).toBe('# Integrity gate: PASS\n\nModel sha256\\:ab\n');
  });
});

describe('gateReport and gateSummary', () => {
  it('summarise a verdict in JSON and YAML, naming the report only when one was written', async () => {
    const outcome = await integrityOutcome(FILE_DIGEST);
    const summary = { gate: 'integrity', verdict: 'pass', subject: FILE_DIGEST, predicateType: gateRegistry.get('integrity')!.predicateType, evaluatedAt: AT, policy: null, reasons: [], attestation: 'memory:0' };
    expect(gateSummary(outcome)).toStrictEqual(summary);
    expect(JSON.parse(await gateReport(outcome, 'json'))).toEqual(summary);
    expect(await gateReport(outcome, 'json')).toMatch(/^\{\n {2}"gate"[^]*\}\n$/);
    expect(parseYAML(await gateReport(outcome, 'yaml'))).toEqual(summary);
    const reported = { ...outcome, reportFiles: { json: 'r.json', markdown: 'r.md' } };
    expect(gateSummary(reported)).toEqual({ ...summary, report: { json: 'r.json', markdown: 'r.md' } });
    expect(await gateReport(outcome, 'markdown')).toBe(outcome.markdown);
  });

  it('write JUnit with one case, the gate, failing on any verdict but pass with its reasons', async () => {
    const passed = await gateReport(await integrityOutcome(FILE_DIGEST), 'junit');
    expect(passed).toContain(`<testsuite name="gatehouse gate integrity ${FILE_DIGEST}: PASS" tests="1" failures="0" timestamp="${AT}">`);
    expect(passed).toContain('<testcase classname="gatehouse.gates" name="integrity"></testcase>');
    const failing = await integrityOutcome(OTHER);
    const [reason] = failing.statement.predicate!.reasons;
    const failed = await gateReport(withPredicate(failing, { reasons: [reason!, 'second'] }), 'junit');
    expect(failed).toContain(`tests="1" failures="1"`);
    expect(failed).toContain(`<failure type="fail" message="${reason}">${reason}&#10;second</failure>`);
    const bare = await gateReport(withPredicate(failing, { verdict: 'insufficient-evidence', reasons: [] }), 'junit');
    expect(bare).toContain('<failure type="insufficient-evidence" message="insufficient-evidence">insufficient-evidence</failure>');
    expect(bare).toContain(': INSUFFICIENT-EVIDENCE"');
  });

  it('write SARIF with one result per reason under a rule named by the verdict, and none for a pass', async () => {
    const sarif = async (outcome: GateOutcome<GatePredicateBase>) => JSON.parse(await gateReport(outcome, 'sarif')).runs[0];
    const passed = await sarif(await integrityOutcome(FILE_DIGEST));
    expect(passed.tool.driver.rules).toEqual([]);
    expect(passed.results).toEqual([]);
    expect(passed.invocations[0].properties).toEqual({ gate: 'integrity', verdict: 'pass', artifact: FILE_DIGEST, evaluatedAt: AT });
    const failing = await integrityOutcome(OTHER);
    const failed = await sarif(withPredicate(failing, { reasons: ['one', 'two'] }));
    expect(failed.tool.driver.rules).toEqual([{ id: 'gate_fail', shortDescription: { text: 'integrity gate: fail' } }]);
    expect(failed.results.map((result: { ruleId: string; message: { text: string }; locations: unknown }) => [result.ruleId, result.message.text, result.locations])).toEqual([
      ['gate_fail', 'one', [{ logicalLocations: [{ name: 'integrity', kind: 'module' }] }]],
      ['gate_fail', 'two', [{ logicalLocations: [{ name: 'integrity', kind: 'module' }] }]],
    ]);
    const bare = await sarif(withPredicate(failing, { verdict: 'insufficient-evidence', reasons: [] }));
    expect(bare.tool.driver.rules.map((rule: { id: string }) => rule.id)).toEqual(['gate_insufficient_evidence']);
    expect(bare.results.map((result: { message: { text: string } }) => result.message.text)).toEqual(['insufficient-evidence']);
  });
});

describe('GateRegistry', () => {
  const definition = (name: string, predicateType = `https://example.com/${name}/v1`, more: Partial<GateDefinition> = {}): GateDefinition => ({
    name,
    predicateType,
    predicateSchema: { type: 'object', required: ['gate'] },
    policyBound: false,
    ...more,
  });

  it('refuses a name that is not lower-case letters, digits, - and _, a name taken, and a predicate type taken', () => {
    const registry = new GateRegistry([definition('one')]);
    for (const name of ['One', '1st', '', '-x', 'a b', 'a.b', 'x\n']) expect(() => registry.register(definition(name)), name).toThrow(/lower-case letters, digits, - and _$/);
    for (const name of ['a', 'a1', 'a-b_c']) expect(registry.register(definition(name)).name).toBe(name);
    expect(() => registry.register(definition('one', 'https://example.com/other/v1'))).toThrow(/^a gate named one is already registered$/);
    expect(() => registry.register(definition('two', 'https://example.com/one/v1'))).toThrow(/^gates one and two cannot share the predicate type https:\/\/example\.com\/one\/v1$/);
    expect(registry.get('two')).toBeUndefined();
    expect(registry.all().map((gate) => gate.name)).toEqual(['one', 'a', 'a1', 'a-b_c']);
  });

  it('compiles each schema once under its own $id, or one named by the gate', () => {
    const registry = new GateRegistry();
    const gate = registry.register(definition('ided', undefined, { thresholdsSchema: { type: 'object', required: ['limit'] } }));
    expect(gate.predicateValidator.problem({ gate: 'ided' })).toBeUndefined();
    expect(gate.predicateValidator.problem({})).toMatch(/gate/);
    expect(gate.thresholdsValidator!.problem({ limit: 1 })).toBeUndefined();
    expect(gate.thresholdsValidator!.problem({})).toMatch(/limit/);
    expect(registry.register(definition('plain')).thresholdsValidator).toBeUndefined();
    expect(registry.byPredicateType('https://example.com/ided/v1')).toBe(gate);
    expect(registry.byPredicateType('https://example.com/nonesuch/v1')).toBeUndefined();
  });

  it('gives each gate its facts, optional ones only when set', () => {
    const registry = new GateRegistry([
      definition('bare'),
      definition('full', undefined, { policyBound: true, datasetField: 'dataset', comparesWithDeployed: true, followsApproval: true }),
      definition('off', undefined, { comparesWithDeployed: false, followsApproval: false }),
    ]);
    expect(registry.facts()).toStrictEqual({
      bare: { predicate_type: 'https://example.com/bare/v1', policy_bound: false, compares_with_deployed: false },
      full: { predicate_type: 'https://example.com/full/v1', policy_bound: true, dataset_field: 'dataset', compares_with_deployed: true, follows_approval: true },
      off: { predicate_type: 'https://example.com/off/v1', policy_bound: false, compares_with_deployed: false },
    });
  });

  it("holds gatehouse's gates in chain order", () => {
    expect(gateRegistry.all().map((gate) => gate.name).slice(0, 11)).toEqual(['integrity', 'provenance', 'regression', 'safety', 'bias', 'robustness', 'backdoor', 'data-provenance', 'redteam', 'approval', 'canary']);
  });
});

describe('deriveSeed', () => {
  it('is a 48-bit number fixed by the gate and what it judges, in any key order', () => {
    const seed = deriveSeed('regression', { candidate: 'sha256:aa', dataset: 'sha256:bb' });
    // Pinned: the policy re-derives this seed, so a change here is a change of format.
    expect(seed).toBe(Number.parseInt(createHash('sha256').update('{"gate":"regression","judged":{"candidate":"sha256:aa","dataset":"sha256:bb"}}').digest('hex').slice(0, 12), 16));
    expect(seed).toBeLessThan(2 ** SEED_BITS);
    expect(SEED_BITS).toBe(48);
    expect(deriveSeed('regression', { dataset: 'sha256:bb', candidate: 'sha256:aa' })).toBe(seed);
    expect(deriveSeed('bias', { candidate: 'sha256:aa', dataset: 'sha256:bb' })).not.toBe(seed);
    expect(deriveSeed('regression', { candidate: 'sha256:aa', dataset: 'sha256:bc' })).not.toBe(seed);
  });
});

describe('workflow', () => {
  it('fileSink writes to a store or to one file, never both or neither', async () => {
    expect(() => fileSink({})).toThrow(new TypeError('a gate sink writes to a store or to one file'));
    const dir = await temporaryDirectory();
    const store = new FileSystemAttestationStore(join(dir, 'store'));
    expect(() => fileSink({ store, out: join(dir, 'x') })).toThrow(TypeError);
    const out = join(dir, 'one.json');
    expect(await fileSink({ out }).attestation(Buffer.from('bytes'))).toBe(out);
    expect(readFileSync(out, 'utf8')).toBe('bytes');
    const outcome = await integrityOutcome(FILE_DIGEST);
    const kept = await fileSink({ store }).attestation(outcome.bytes);
    expect(kept.startsWith(join(dir, 'store'))).toBe(true);
    expect(readFileSync(kept).equals(outcome.bytes)).toBe(true);
  });

  it('fileSink writes a report and its summary under the report folder, creating it', async () => {
    const dir = join(await temporaryDirectory(), 'reports', 'deep');
    const where = await fileSink({ out: join(dir, '..', 'a.json'), reportDir: dir }).report('safety-x', '{}\n', '# x\n');
    expect(where).toEqual({ json: join(dir, 'safety-x.json'), markdown: join(dir, 'safety-x.md') });
    expect([readFileSync(where.json, 'utf8'), readFileSync(where.markdown, 'utf8')]).toEqual(['{}\n', '# x\n']);
  });

  it('prepareFileSink refuses a directory as the file to write, and creates the folder of one', async () => {
    const dir = await temporaryDirectory();
    await expect(prepareFileSink({ out: dir })).rejects.toMatchObject({ code: 'USAGE' });
    await prepareFileSink({ out: join(dir, 'new', 'a.json') });
    writeFileSync(join(dir, 'new', 'a.json'), 'written');
    await prepareFileSink({});
  });

  it('deliverGateRun names a report by gate, subject and its own digest, and hands over the one serialisation', async () => {
    const run = await attestWithReport({ name: 'm', digest: FILE_DIGEST }, evaluateIntegrity({ artifact: { name: 'm', digest: FILE_DIGEST, kind: 'file' }, expected: { digest: FILE_DIGEST } }, { evaluatedAt: AT }), {}, () => '# s\n', signing);
    const sink = memorySink();
    const outcome = await deliverGateRun(run, sink);
    const reportDigest = createHash('sha256').update(run.reportJSON).digest('hex');
    expect(sink.reports).toEqual([[`integrity-${FILE_DIGEST.slice(7, 19)}-${reportDigest.slice(0, 12)}`, run.reportJSON, '# s\n']]);
    expect(outcome.reportFiles).toEqual({ json: `memory:${sink.reports[0]![0]}.json`, markdown: `memory:${sink.reports[0]![0]}.md` });
    expect(outcome.markdown).toBe('# s\n');
    expect(sink.attestations).toEqual([outcome.bytes]);
    expect(outcome.subject).toBe(FILE_DIGEST);
    // Without a report: no report files, and the verdict's own summary.
    const plain = await deliverGateRun({ statement: run.statement, bundle: run.bundle }, memorySink());
    expect(plain.reportFiles).toBeUndefined();
    expect('reportFiles' in plain).toBe(false);
    expect(plain.markdown).toBe(gateMarkdown(run.statement.predicate!, FILE_DIGEST));
  });

  it('gateSubject reports progress only while hashing a path, and progressOption passes a callback only when there is one', async () => {
    const labels: string[] = [];
    const told: number[] = [];
    const context = { progress: (label: string, unit: 'bytes' | 'prompts') => (labels.push(`${label}|${unit}`), (done: number) => void told.push(done)) };
    expect(await gateSubject(FILE, context)).toEqual({ name: 'package.json', digest: FILE_DIGEST });
    expect(await gateSubject(FILE_DIGEST, context)).toEqual({ name: FILE_DIGEST, digest: FILE_DIGEST });
    expect(await gateSubject({ name: 'n', digest: FILE_DIGEST }, context)).toEqual({ name: 'n', digest: FILE_DIGEST });
    expect(labels).toEqual([`digesting ${FILE}|bytes`]);
    // The callback is the one hashing a directory is told of.
    expect(await gateSubject(MODEL_TREE, context)).toEqual({ name: 'model-tree', digest: `sha256:${golden.files.digest}` });
    expect(told.at(-1)).toBeGreaterThan(0);
    labels.pop();
    expect(await gateSubject(FILE, {})).toEqual({ name: 'package.json', digest: FILE_DIGEST });
    // A path that holds "oci://" further on is a path, hashed with progress like any other.
    const dir = await temporaryDirectory();
    mkdirSync(join(dir, 'oci:'));
    writeFileSync(join(dir, 'oci:', 'model.bin'), 'weights');
    const odd = `${dir}/oci://model.bin`;
    expect((await gateSubject(odd, context)).name).toBe('model.bin');
    expect(labels.at(-1)).toBe(`digesting ${odd}|bytes`);

    const base = { evaluatedAt: new Date(AT), signing, sink: memorySink() };
    expect(progressOption(base, 'x', 'bytes')).toStrictEqual({});
    expect(progressOption({ ...base, progress: () => undefined }, 'x', 'bytes')).toStrictEqual({});
    const callback = () => {};
    const asked: string[] = [];
    expect(progressOption({ ...base, progress: (label, unit) => (asked.push(`${label}|${unit}`), callback) }, 'judging', 'prompts')).toEqual({ onProgress: callback });
    expect(asked).toEqual(['judging|prompts']);
  });
});
