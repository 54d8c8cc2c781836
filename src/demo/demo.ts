// The end-to-end walk-through behind `gatehouse demo`: a signed model, the
// integrity and provenance gates, offline verification, the policy decision
// with its signed record and replay, and what tampering and forgery look
// like. It uses the demo keys in examples/keys/, which the committed example
// policy bundle trusts. It grows as gates land.
import { open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GateName, GatePredicateBase } from '../attest/predicates.ts';
import { collectAttestations } from '../decide/attestations.ts';
import { DecisionEngine, type Decision } from '../decide/decide.ts';
import { formatDecision } from '../decide/format.ts';
import { signDecision } from '../decide/record.ts';
import { replayDecision, verifyDecisionRecord } from '../decide/replay.ts';
import type { ArtifactDigest } from '../digest/artifact.ts';
import type { GateRun } from '../gates/gate.ts';
import { runIntegrityGate } from '../gates/integrity/index.ts';
import { runProvenanceGate } from '../gates/provenance/index.ts';
import { modelSigningKeySigner, signModelDirectory } from '../gates/provenance/model-signing.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { keyFingerprint, readPrivateKey, readPublicKey } from '../keys/keys.ts';
import { readPolicyBundle } from '../policy/bundle.ts';
import { KeySigner } from '../sign/key/key-signer.ts';
import { FileSystemAttestationStore } from '../store/fs-store.ts';
import { signerName } from '../verify/identity.ts';
import { toTrustedKey } from '../verify/trust.ts';
import { writeDemoModel } from './model.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The demo keys and the example policy bundle that trusts them. */
export const DEMO_KEYS = join(ROOT, 'examples', 'keys');
export const EXAMPLE_BUNDLE = join(ROOT, 'bundles', 'gatehouse.tar.gz');

/** Runs the demo in `dir`; true when every step behaved as gatehouse promises. */
export async function runDemo(dir: string, print: (line: string) => void): Promise<boolean> {
  const say = (line = '') => print(line);
  const key = async (name: string) => {
    const privateKey = await readPrivateKey(join(DEMO_KEYS, `${name}.key`));
    const publicKey = await readPublicKey(join(DEMO_KEYS, `${name}.pub`));
    return { name, privateKey, publicKey, fingerprint: keyFingerprint(publicKey), signer: new KeySigner(privateKey) };
  };
  const keys = {
    pipeline: await key('training-pipeline'),
    integrity: await key('integrity-gate'),
    provenance: await key('provenance-gate'),
    recorder: await key('decision-recorder'),
  };
  const policyKey = await readPublicKey(join(DEMO_KEYS, 'policy-team.pub'));
  say(`gatehouse demo in ${dir}`);
  say();
  say(`1. Keys (demo keys from ${DEMO_KEYS}; the example policy bundle trusts them):`);
  for (const k of Object.values(keys)) say(`   ${k.name.padEnd(18)} ${k.fingerprint}`);

  const modelDir = join(dir, 'demo-model');
  await writeDemoModel(modelDir);
  const { manifest } = await signModelDirectory(modelDir, { signer: modelSigningKeySigner(keys.pipeline.privateKey) });
  const recorded = `sha256:${manifest.digest}` as const;
  say();
  say(`2. The training pipeline writes ${modelDir} (${manifest.resources.length} files, ${manifest.totalBytes} bytes),`);
  say('   signs it in the OpenSSF model-signing format (model.sig) and records its digest:');
  say(`   ${recorded}`);

  const storeDir = join(dir, 'attestations');
  const store = new FileSystemAttestationStore(storeDir);
  const runGates = async (at: Date) => {
    const integrity = await runIntegrityGate({ path: modelDir, expected: recorded, expectedSource: 'demo training pipeline', evaluatedAt: at, signing: { signer: keys.integrity.signer } });
    const provenance = await runProvenanceGate({ path: modelDir, trust: { keys: [toTrustedKey(keys.pipeline.publicKey)] }, evaluatedAt: at, signing: { signer: keys.provenance.signer } });
    return [integrity, provenance] as const;
  };
  const report = async (runs: readonly GateRun<GatePredicateBase<GateName>>[]) => {
    for (const run of runs) {
      const predicate = run.statement.predicate!;
      const location = await store.put(`sha256:${run.statement.subject[0]!.digest.sha256}`, run.bundle);
      say(`   gate ${predicate.gate.padEnd(10)} ${predicate.verdict.toUpperCase()}  -> ${location}`);
      for (const reason of predicate.reasons) say(`      reason: ${reason}`);
    }
  };

  say();
  say('3. The gates run and each signs its verdict (gatehouse gate integrity / gate provenance):');
  const passing = await runGates(new Date());
  await report(passing);
  const author = passing[1].statement.predicate!.modelSignature.signer;
  say(`   the provenance attestation names the model's signer: ${author === null ? 'none' : signerName(author)}`);

  say();
  say(`4. The policy decides (gatehouse verify): the signed example bundle ${EXAMPLE_BUNDLE}`);
  say('   is verified against the policy team key, every attestation against the signers it names:');
  const engine = await DecisionEngine.create(await readPolicyBundle(EXAMPLE_BUNDLE, policyKey));
  const decide = async (digest: ArtifactDigest, stage: string, at: Date): Promise<Decision> =>
    engine.decide({ artifact: digest, stage, deployed: null, evaluationTime: at, bundles: await collectAttestations(storeDir, digest) });
  const evaluatedAt = new Date();
  const staging = await decide(recorded, 'staging', evaluatedAt);
  for (const line of formatDecision(staging)) say(`   ${line}`);
  const recordPath = join(dir, 'decision-staging.json');
  await writeFileAtomic(recordPath, `${JSON.stringify(await signDecision(staging, { signer: keys.recorder.signer }, 'demo-model'), null, 2)}\n`);
  say(`   signed decision record: ${recordPath}`);

  say();
  say('5. An auditor replays the record offline (gatehouse replay):');
  const record = verifyDecisionRecord(await readFile(recordPath), recordPath, engine.signers.restrictedTo(engine.data.decision_signers ?? []));
  const replay = await replayDecision(record, engine, storeDir);
  say(`   ${replay.identical ? 'identical' : `DIFFERENT: ${replay.differences.join('; ')}`}`);

  say();
  say('6. Production needs every gate; the rest of the chain has not run yet:');
  const production = await decide(recorded, 'production', evaluatedAt);
  for (const line of formatDecision(production)) say(`   ${line}`);

  say();
  say('7. Someone changes one byte of the weights after signing. The gates fail, and so does the decision:');
  await flipByte(join(modelDir, 'model-00002-of-00002.safetensors'), 1024);
  const failing = await runGates(new Date());
  await report(failing);
  const tampered = `sha256:${failing[0].statement.subject[0]!.digest.sha256}` as const;
  const denied = await decide(tampered, 'staging', new Date());
  for (const line of formatDecision(denied)) say(`   ${line}`);

  say();
  say('8. A forged attestation (verdict edited after signing, placed in the store) is evidence of nothing:');
  const forged = structuredClone(failing[0].bundle) as { dsseEnvelope: { payload: string } };
  const statement = JSON.parse(Buffer.from(forged.dsseEnvelope.payload, 'base64').toString('utf8'));
  statement.predicate.verdict = 'pass';
  statement.predicate.reasons = [];
  forged.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
  await store.put(tampered, forged as never);
  const stillDenied = await decide(tampered, 'staging', new Date());
  for (const line of formatDecision(stillDenied).filter((line) => line.includes('evidence of nothing') || line.includes('signature'))) say(`   ${line}`);

  const expected =
    passing.every((run) => run.statement.predicate!.verdict === 'pass') &&
    staging.result.allowed &&
    replay.identical &&
    !production.result.allowed &&
    failing.every((run) => run.statement.predicate!.verdict === 'fail') &&
    !denied.result.allowed &&
    !stillDenied.result.allowed;
  say();
  say(
    expected
      ? 'Demo complete: the untouched model was allowed to staging and its decision replays identically; production waits for the remaining gates; the tampered model and the forgery were denied.'
      : 'Demo FAILED: a step did not behave as expected.',
  );
  return expected;
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
