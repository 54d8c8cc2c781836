// The end-to-end walk-through behind `gatehouse demo`: keys, a signed model,
// the integrity and provenance gates, offline verification, and what tampering
// and forgery look like. It grows as gates and the policy decision land.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GateName, GatePredicateBase } from '../attest/predicates.ts';
import type { GateRun } from '../gates/gate.ts';
import { runIntegrityGate } from '../gates/integrity/index.ts';
import { runProvenanceGate } from '../gates/provenance/index.ts';
import { modelSigningKeySigner, signModelDirectory } from '../gates/provenance/model-signing.ts';
import { generateKeyPair, keyFingerprint } from '../keys/keys.ts';
import { KeySigner } from '../sign/key/key-signer.ts';
import { FileSystemAttestationStore } from '../store/fs-store.ts';
import { signerName } from '../verify/identity.ts';
import { toTrustedKey } from '../verify/trust.ts';
import { AttestationVerifier } from '../verify/verifier.ts';
import { writeDemoModel } from './model.ts';

/** Runs the demo in `dir`; true when every step behaved as gatehouse promises. */
export async function runDemo(dir: string, print: (line: string) => void): Promise<boolean> {
  const say = (line = '') => print(line);
  const keys = {
    pipeline: await writeKeys(dir, 'training-pipeline'),
    integrity: await writeKeys(dir, 'integrity-gate'),
    provenance: await writeKeys(dir, 'provenance-gate'),
  };
  say(`gatehouse demo in ${dir}`);
  say();
  say('1. Keys: one for the training pipeline that signs models, one per gate.');
  for (const [role, key] of Object.entries(keys)) say(`   ${role.padEnd(10)} ${key.fingerprint}  (${key.prefix}.key, .pub)`);

  const modelDir = join(dir, 'demo-model');
  await writeDemoModel(modelDir);
  const { manifest } = await signModelDirectory(modelDir, { signer: modelSigningKeySigner(keys.pipeline.privateKey) });
  const recorded = `sha256:${manifest.digest}` as const;
  say();
  say(`2. The training pipeline writes ${modelDir} (${manifest.resources.length} files, ${manifest.totalBytes} bytes),`);
  say('   signs it in the OpenSSF model-signing format (model.sig) and records its digest:');
  say(`   ${recorded}`);

  const store = new FileSystemAttestationStore(join(dir, 'attestations'));
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

  say();
  say('4. A platform team verifies the attestations offline against the gate keys (gatehouse verify-attestation):');
  const verifier = new AttestationVerifier({ keys: [toTrustedKey(keys.integrity.publicKey), toTrustedKey(keys.provenance.publicKey)] });
  for (const run of passing) {
    const verified = verifier.verifyJSON(run.bundle, `${run.statement.predicate!.gate} attestation`);
    const predicate = verified.statement.predicate as unknown as GatePredicateBase<GateName>;
    say(`   ${predicate.gate.padEnd(10)} signed by ${signerName(verified.signer)}: ${predicate.verdict}`);
  }
  const author = passing[1].statement.predicate!.modelSignature.signer;
  say(`   the provenance attestation names the model's signer: ${author === null ? 'none' : signerName(author)}`);

  say();
  say('5. Someone changes one byte of the weights after signing. The same gates now fail, with reasons:');
  await flipByte(join(modelDir, 'model-00002-of-00002.safetensors'), 1024);
  const failing = await runGates(new Date());
  await report(failing);

  say();
  say('6. A forged attestation (verdict edited after signing) is rejected:');
  const forged = structuredClone(passing[0].bundle) as { dsseEnvelope: { payload: string } };
  const statement = JSON.parse(Buffer.from(forged.dsseEnvelope.payload, 'base64').toString('utf8'));
  statement.predicate.verdict = 'pass';
  statement.subject[0].digest.sha256 = failing[0].statement.subject[0]!.digest.sha256;
  forged.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
  let rejected = false;
  try {
    verifier.verifyJSON(forged, 'forged attestation');
  } catch (error) {
    rejected = true;
    say(`   rejected: ${(error as Error).message}`);
  }

  const expected =
    passing.every((run) => run.statement.predicate!.verdict === 'pass') &&
    failing.every((run) => run.statement.predicate!.verdict === 'fail') &&
    rejected;
  say();
  say(expected ? 'Demo complete: the untouched model passed both gates; the tampered one and the forgery did not.' : 'Demo FAILED: a step did not behave as expected.');
  return expected;
}

async function writeKeys(dir: string, role: string) {
  const pair = generateKeyPair('ecdsa-p256');
  const prefix = join(dir, 'keys', role);
  await mkdir(join(dir, 'keys'), { recursive: true });
  await writeFile(`${prefix}.key`, pair.privateKeyPEM, { mode: 0o600 });
  await writeFile(`${prefix}.pub`, pair.publicKeyPEM);
  const privateKey = createPrivateKey(pair.privateKeyPEM);
  const publicKey = createPublicKey(pair.publicKeyPEM);
  return { prefix, privateKey, publicKey, fingerprint: keyFingerprint(publicKey), signer: new KeySigner(privateKey) };
}

async function flipByte(path: string, offset: number): Promise<void> {
  const bytes = await readFile(path);
  const handle = await open(path, 'r+');
  try {
    await handle.write(Buffer.from([bytes[offset]! ^ 0xff]), 0, 1, offset);
  } finally {
    await handle.close();
  }
}
