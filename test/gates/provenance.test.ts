import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gateRegistry } from '../../src/gates/registry.ts';
import { compareManifests, evaluateProvenance } from '../../src/gates/provenance/evaluate.ts';
import { provenanceGate, runProvenanceGate } from '../../src/gates/provenance/index.ts';
import { MODEL_SIGNING_PREDICATE_TYPE, modelSigningKeySigner, signModelDirectory, toModelSigningStatement } from '../../src/gates/provenance/model-signing.ts';
import type { Statement } from '../../src/attest/statement.ts';
import { DEFAULT_IGNORE_PATHS, hashModelDirectory } from '../../src/digest/model.ts';
import { InputError } from '../../src/error.ts';
import { signStatement } from '../../src/sign/attest.ts';
import { rejection } from '../support/refusal.ts';
import { memorySink } from '../support/sink.ts';
import { keyFingerprint, readPrivateKey, readPublicKey } from '../../src/keys/keys.ts';
import { KeySigner } from '../../src/sign/key/key-signer.ts';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import type { VerifiedPolicyBundle } from '../../src/policy/bundle.ts';
import { buildTestBundle } from '../support/policy.ts';
import golden from '../fixtures/golden/model-signing-digests.json' with { type: 'json' };
import { BUNDLES, KEYS, MODEL_TREE, gatehouse, run, temporaryDirectory, tool } from '../helpers.ts';
import { ISSUER, SUBJECT, startMockSigstore, type MockSigstore } from '../support/sigstore-mock.ts';

const at = new Date('2026-11-22T10:00:00Z');

/** A copy of the committed tree carrying the committed model_signing signature. */
async function signedModel(): Promise<string> {
  const model = join(await temporaryDirectory(), 'model');
  cpSync(MODEL_TREE, model, { recursive: true });
  cpSync(join(BUNDLES, 'model-signing-key.sig'), join(model, 'model.sig'));
  return model;
}

// Policy bundles whose data names who may sign models: the test model signer, or another key.
const policies: Record<string, { bundle: VerifiedPolicyBundle; cleanup: () => void }> = {};

async function policyTrustingModelSigner(key: string) {
  return buildTestBundle((data) => {
    data.signers['model-author'] = { kind: 'key', public_key: readFileSync(join(KEYS, `${key}.pub`), 'utf8') };
    data.model_signers = ['model-author'];
  });
}

beforeAll(async () => {
  for (const key of ['model-signer', 'untrusted']) policies[key] = await policyTrustingModelSigner(key);
}, 60_000);

afterAll(() => Object.values(policies).forEach((p) => p.cleanup()));

async function gate(model: string, trustedKey = 'model-signer') {
  return runProvenanceGate({
    path: model,
    policy: policies[trustedKey]!.bundle,
    evaluatedAt: at,
    signing: { signer: new KeySigner(await readPrivateKey(join(KEYS, 'ed25519.key'))) },
  });
}

describe('runProvenanceGate', () => {
  describe('with a signature made by model_signing sign key', () => {
    it('passes, recording the model signer and the policy that trusted it', async () => {
      const result = await gate(await signedModel());
      const predicate = result.statement.predicate!;
      expect(predicate.reasons).toEqual([]);
      expect(predicate.verdict).toBe('pass');
      expect(predicate.policy).toEqual({ digest: `sha256:${policies['model-signer']!.bundle.digest}` });
      expect(predicate.modelSignature.signer).toEqual({ kind: 'key', keyId: keyFingerprint(await readPublicKey(join(KEYS, 'model-signer.pub'))), algorithm: 'ecdsa-p256' });
      expect(predicate.modelSignature.manifestDigest).toBe(`sha256:${golden.files.digest}`);
      expect(result.statement.subject[0]!.digest.sha256).toBe(golden.files.digest);
      expect(gateRegistry.get('provenance')!.predicateValidator.problem(predicate)).toBeUndefined();
    });

    it('fails when one file changed, naming it', async () => {
      const model = await signedModel();
      const weights = join(model, 'weights', 'layer-1.bin');
      const bytes = readFileSync(weights);
      bytes[12_345]! ^= 0x01;
      writeFileSync(weights, bytes);
      const predicate = (await gate(model)).statement.predicate!;
      expect(predicate.verdict).toBe('fail');
      expect(predicate.mismatches).toEqual([{ name: 'weights/layer-1.bin', problem: 'digest-differs' }]);
    });

    it('fails when a file was added or removed', async () => {
      const model = await signedModel();
      writeFileSync(join(model, 'backdoor.py'), 'import os\n');
      rmSync(join(model, 'tokenizer', 'vocab.txt'));
      const predicate = (await gate(model)).statement.predicate!;
      expect(predicate.mismatches).toEqual([
        { name: 'backdoor.py', problem: 'not-in-signature' },
        { name: 'tokenizer/vocab.txt', problem: 'missing-on-disk' },
      ]);
      expect(predicate.verdict).toBe('fail');
    });

    it('fails when the model signer is not trusted, recording no signer', async () => {
      const predicate = (await gate(await signedModel(), 'untrusted')).statement.predicate!;
      expect(predicate.verdict).toBe('fail');
      expect(predicate.modelSignature.signer).toBeNull();
      expect(predicate.reasons[0]).toMatch(/not verified.*does not verify with any trusted key/);
    });

    it('fails when the model carries no signature', async () => {
      const model = await signedModel();
      rmSync(join(model, 'model.sig'));
      const predicate = (await gate(model)).statement.predicate!;
      expect(predicate.verdict).toBe('fail');
      expect(predicate.reasons[0]).toMatch(/no model signature/);
    });

    it('fails when the signature file is not a bundle', async () => {
      const model = await signedModel();
      writeFileSync(join(model, 'model.sig'), '{"mediaType": "text/plain"}');
      const predicate = (await gate(model)).statement.predicate!;
      expect(predicate.verdict).toBe('fail');
      expect(predicate.reasons[0]).toMatch(/not a Sigstore DSSE bundle/);
    });
  });

  describe('with signatures made now by model_signing on a fresh copy', () => {
    const fresh = async () => {
      const model = join(await temporaryDirectory(), 'model');
      cpSync(MODEL_TREE, model, { recursive: true });
      rmSync(join(model, 'model.sig'));
      return model;
    };

    it('passes a file-serialized signature from the CLI', async () => {
      const model = await fresh();
      const signed = run(tool('.venv/bin/model_signing'), ['sign', 'key', model, '--private_key', join(KEYS, 'model-signer.key'), '--signature', join(model, 'model.sig')]);
      expect(signed.status, signed.stderr).toBe(0);
      expect((await gate(model)).statement.predicate!.verdict).toBe('pass');
    });

    it('passes a shard-serialized signature from the Python API, and fails it after tampering', async () => {
      const model = await fresh();
      const script = [
        'import sys',
        'from model_signing import hashing, signing',
        'model, key = sys.argv[1], sys.argv[2]',
        'hashing_config = hashing.Config().use_shard_serialization(shard_size=1048576).set_ignored_paths(paths=[model + "/model.sig"])',
        'signing.Config().set_hashing_config(hashing_config).use_elliptic_key_signer(private_key=key).sign(model, model + "/model.sig")',
      ].join('\n');
      const signed = run(tool('.venv/bin/python'), ['-c', script, model, join(KEYS, 'model-signer.key')]);
      expect(signed.status, signed.stderr).toBe(0);
      const passedRun = await gate(model);
      const passed = passedRun.statement.predicate!;
      expect(passed.modelSignature.serialization).toMatchObject({ method: 'shards', shard_size: 1048576 });
      // The subject is the model's default (files) digest, not the digest of the shard manifest the signature used.
      expect(passedRun.statement.subject[0]!.digest.sha256).toBe(golden.files.digest);
      expect(passed.verdict).toBe('pass');
      const weights = join(model, 'weights', 'layer-0.bin');
      const bytes = readFileSync(weights);
      bytes[2 * 1048576 + 7]! ^= 0x80;
      writeFileSync(weights, bytes);
      expect((await gate(model)).statement.predicate!.mismatches).toEqual([{ name: 'weights/layer-0.bin:2097152:2220609', problem: 'digest-differs' }]);
    });
  });

  describe('with a signature made by gatehouse in the model-signing format', () => {
    it('verifies with model_signing verify key, and fails there after tampering', async () => {
      const model = join(await temporaryDirectory(), 'model');
      cpSync(MODEL_TREE, model, { recursive: true });
      rmSync(join(model, 'model.sig'));
      await signModelDirectory(model, { signer: modelSigningKeySigner(await readPrivateKey(join(KEYS, 'model-signer.key'))) });
      expect((await gate(model)).statement.predicate!.verdict).toBe('pass');
      const verify = () => run(tool('.venv/bin/model_signing'), ['verify', 'key', model, '--public_key', join(KEYS, 'model-signer.pub'), '--signature', join(model, 'model.sig')]);
      const ok = verify();
      expect(ok.status, ok.stderr + ok.stdout).toBe(0);
      writeFileSync(join(model, 'config.json'), '{}');
      expect(verify().status).not.toBe(0);
    });

    it('is what gatehouse sign-model writes, without Python', async () => {
      const model = join(await temporaryDirectory(), 'model');
      cpSync(MODEL_TREE, model, { recursive: true });
      rmSync(join(model, 'model.sig'));
      const signed = gatehouse(['sign-model', model, '--signing-key', join(KEYS, 'model-signer.key'), '--json']);
      expect(signed.status, signed.stderr).toBe(0);
      expect(JSON.parse(signed.stdout)).toMatchObject({ signature: join(model, 'model.sig'), digest: `sha256:${golden.files.digest}`, serialization: { method: 'files' } });
      const verify = () => run(tool('.venv/bin/model_signing'), ['verify', 'key', model, '--public_key', join(KEYS, 'model-signer.pub'), '--signature', join(model, 'model.sig')]);
      const ok = verify();
      expect(ok.status, ok.stderr + ok.stdout).toBe(0);
      expect((await gate(model)).statement.predicate!.verdict).toBe('pass');
      writeFileSync(join(model, 'a.txt'), 'changed');
      expect(verify().status).not.toBe(0);
      const unsigned = gatehouse(['sign-model', model]);
      expect([unsigned.status, unsigned.stderr]).toEqual([2, 'gatehouse: pass exactly one of --signing-key FILE and --keyless\n']);
    });
  });
});

describe('runProvenanceGate with a model signature crafted field by field', () => {
  // The committed tree, signed by the trusted model signer over the statement `craft` makes of its manifest.
  async function crafted(craft: (statement: Statement<Record<string, any>>) => void = () => {}, options: { extraFiles?: number } = {}): Promise<string> {
    const model = join(await temporaryDirectory(), 'model');
    cpSync(MODEL_TREE, model, { recursive: true });
    rmSync(join(model, 'model.sig'));
    const statement = structuredClone(toModelSigningStatement(await hashModelDirectory(model, { ignorePaths: DEFAULT_IGNORE_PATHS }))) as Statement<Record<string, any>>;
    craft(statement);
    const bundle = await signStatement(statement, { signer: modelSigningKeySigner(await readPrivateKey(join(KEYS, 'model-signer.key'))) });
    writeFileSync(join(model, 'model.sig'), JSON.stringify(bundle));
    for (let i = 0; i < (options.extraFiles ?? 0); i += 1) writeFileSync(join(model, `extra-${i}.bin`), `${i}\n`);
    return model;
  }
  const failure = async (model: string) => {
    const predicate = (await gate(model)).statement.predicate!;
    expect(predicate.verdict).toBe('fail');
    return predicate;
  };

  it('passes the signature as crafted unchanged (the baseline of the cases below)', async () => {
    const model = await crafted();
    const predicate = (await gate(model)).statement.predicate!;
    expect([predicate.verdict, predicate.reasons]).toEqual(['pass', []]);
    const signatureDigest = `sha256:${createHash('sha256').update(readFileSync(join(model, 'model.sig'))).digest('hex')}`;
    expect(predicate.evidence).toEqual([{ role: 'model-signature', digest: signatureDigest }]);
    expect(predicate.modelSignature.bundleDigest).toBe(signatureDigest);
    expect(predicate.modelSignature).toMatchObject({ predicateType: MODEL_SIGNING_PREDICATE_TYPE, serialization: { method: 'files', hash_type: 'sha256' }, manifestDigest: `sha256:${golden.files.digest}` });
  });

  it('fails a signed statement of another predicate type, recording no signer', async () => {
    const predicate = await failure(await crafted((statement) => (statement.predicateType = 'https://slsa.dev/provenance/v1')));
    expect(predicate.reasons).toEqual([`model signature has predicate type https://slsa.dev/provenance/v1, expected ${MODEL_SIGNING_PREDICATE_TYPE}`]);
    expect(predicate.modelSignature).toMatchObject({ signer: null, predicateType: null, serialization: null, manifestDigest: null });
    expect(predicate.mismatches).toEqual([]);
  });

  it('fails a predicate that is not a model-signing predicate', async () => {
    const predicate = await failure(await crafted((statement) => delete statement.predicate!['resources']));
    expect(predicate.reasons).toHaveLength(1);
    expect(predicate.reasons[0]).toMatch(/^model signature predicate is malformed: .*resources/);
  });

  it('fails shard serialization without a whole-number shard size', async () => {
    for (const shard of [undefined, 2 ** 60]) {
      const predicate = await failure(
        await crafted((statement) => {
          statement.predicate!['serialization'] = { method: 'shards', hash_type: 'sha256', ...(shard === undefined ? {} : { shard_size: shard }) };
          for (const resource of statement.predicate!['resources']) resource.algorithm = `sha256-sharded-${shard}`;
        }),
      );
      expect(predicate.reasons).toEqual(['model signature uses shard serialization without a whole-number shard size']);
    }
  });

  it('fails a manifest hashed with anything but sha256, naming the algorithm', async () => {
    const byHashType = await failure(await crafted((statement) => (statement.predicate!['serialization'].hash_type = 'blake2')));
    expect(byHashType.reasons).toEqual(['model signature hashes with blake2; gatehouse verifies sha256 manifests']);
    const byResource = await failure(await crafted((statement) => (statement.predicate!['resources'].at(-1).algorithm = 'sha512')));
    expect(byResource.reasons).toEqual(['model signature hashes with sha512; gatehouse verifies sha256 manifests']);
    // Files serialization names each resource "sha256"; a sharded name under it is foreign too.
    const sharded = await failure(await crafted((statement) => (statement.predicate!['resources'][0].algorithm = 'sha256-sharded-1048576')));
    expect(sharded.reasons).toEqual(['model signature hashes with sha256-sharded-1048576; gatehouse verifies sha256 manifests']);
  });

  it('fails a subject named by no sha256 digest, and one whose digest is not its own manifest', async () => {
    // gatehouse's signer writes no such statement, so the payload is replaced and signed again by the same key.
    const model = await crafted();
    const bundle = JSON.parse(readFileSync(join(model, 'model.sig'), 'utf8'));
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
    statement.subject[0].digest = { sha512: 'ab'.repeat(64) };
    const payload = Buffer.from(JSON.stringify(statement));
    const type = bundle.dsseEnvelope.payloadType as string;
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `), payload]);
    bundle.dsseEnvelope.payload = payload.toString('base64');
    bundle.dsseEnvelope.signatures[0].sig = (await modelSigningKeySigner(await readPrivateKey(join(KEYS, 'model-signer.key'))).sign(pae)).signature.toString('base64');
    writeFileSync(join(model, 'model.sig'), JSON.stringify(bundle));
    const noSha = await failure(model);
    expect(noSha.reasons).toEqual(['model signature names its subject by no sha256 digest']);
    const other = 'cd'.repeat(32);
    const mismatched = await failure(await crafted((statement) => (statement.subject[0]!.digest = { sha256: other })));
    expect(mismatched.reasons).toEqual([`signature subject digest sha256:${other} does not match its own manifest (sha256:${golden.files.digest})`]);
    // The signature itself verified: its signer and manifest are recorded beside the failure.
    expect(mismatched.modelSignature.signer).not.toBeNull();
    expect(mismatched.modelSignature.manifestDigest).toBe(`sha256:${golden.files.digest}`);
  });

  it('names the first five differing files and counts the rest', async () => {
    const five = await failure(await crafted(undefined, { extraFiles: 5 }));
    expect(five.reasons).toEqual([`model files differ from the signed manifest: ${[0, 1, 2, 3, 4].map((i) => `extra-${i}.bin (not-in-signature)`).join(', ')}`]);
    const seven = await failure(await crafted(undefined, { extraFiles: 7 }));
    expect(seven.reasons).toEqual([`model files differ from the signed manifest: ${[0, 1, 2, 3, 4].map((i) => `extra-${i}.bin (not-in-signature)`).join(', ')}, and 2 more`]);
    expect(seven.mismatches).toHaveLength(7);
  });

  it('reads a signature kept elsewhere, and leaves out only a signature kept inside the model', async () => {
    const model = await crafted();
    const outside = join(await temporaryDirectory(), 'elsewhere.sig');
    cpSync(join(model, 'model.sig'), outside);
    rmSync(join(model, 'model.sig'));
    const away = (await runProvenanceGate({ path: model, signaturePath: outside, policy: policies['model-signer']!.bundle, evaluatedAt: at, signing: { signer: new KeySigner(await readPrivateKey(join(KEYS, 'ed25519.key'))) } })).statement;
    expect([away.predicate!.verdict, away.predicate!.reasons]).toEqual(['pass', []]);
    expect(away.subject[0]!.digest.sha256).toBe(golden.files.digest);

    // In a folder of the model: that file is left out of what must match, but the subject is the model's default digest, which holds it.
    mkdirSync(join(model, 'signatures'));
    cpSync(outside, join(model, 'signatures', 'model.sig'));
    const inside = (await runProvenanceGate({ path: model, signaturePath: join(model, 'signatures', 'model.sig'), policy: policies['model-signer']!.bundle, evaluatedAt: at, signing: { signer: new KeySigner(await readPrivateKey(join(KEYS, 'ed25519.key'))) } })).statement;
    expect([inside.predicate!.verdict, inside.predicate!.reasons]).toEqual(['pass', []]);
    const withSignature = await hashModelDirectory(model, { ignorePaths: DEFAULT_IGNORE_PATHS });
    expect(inside.subject[0]!.digest.sha256).toBe(withSignature.digest);
    expect(withSignature.digest).not.toBe(golden.files.digest);
    expect(inside.predicate!.artifact).toMatchObject({ kind: 'directory', digest: `sha256:${withSignature.digest}`, ignorePaths: DEFAULT_IGNORE_PATHS });
  });

  it('refuses a signature path it cannot read, rather than judging the model unsigned', async () => {
    const model = await crafted();
    const error = await rejection(runProvenanceGate({ path: model, signaturePath: MODEL_TREE, policy: policies['model-signer']!.bundle, evaluatedAt: at, signing: { signer: new KeySigner(await readPrivateKey(join(KEYS, 'ed25519.key'))) } }), InputError);
    expect([error.code, error.message]).toEqual(['FILE_UNREADABLE', 'not a regular file']);
  });

  it('fails, without comparing, a verified signature whose files were not hashed', () => {
    const predicate = evaluateProvenance(
      {
        artifact: { name: 'm', digest: `sha256:${golden.files.digest}`, kind: 'directory' },
        signature: { bundleDigest: 'ab'.repeat(32), verified: true, signer: { kind: 'key', keyId: 'k', algorithm: 'ecdsa-p256' }, predicateType: MODEL_SIGNING_PREDICATE_TYPE, serialization: { method: 'files' }, subjectDigest: golden.files.digest, manifestDigest: golden.files.digest, resources: [] },
      },
      { evaluatedAt: '2026-11-22T10:00:00Z', policyDigest: `sha256:${'cd'.repeat(32)}` },
    );
    expect([predicate.verdict, predicate.reasons, predicate.mismatches]).toEqual(['fail', ['files on disk were not hashed'], []]);
  });

  it('refuses a path that is no directory, and one that does not exist', async () => {
    const file = await rejection(gate(join(MODEL_TREE, 'a.txt')), InputError);
    expect([file.code, file.message, file.path]).toEqual(['ARTIFACT_INVALID', 'the provenance gate takes a model directory', join(MODEL_TREE, 'a.txt')]);
    const missing = await rejection(gate(join(MODEL_TREE, 'no-such-model')), InputError);
    expect(missing.code).toBe('FILE_NOT_FOUND');
    expect(missing.message).toMatch(/no such model directory/);
  });

  it('provenanceGate: reports the digest of the folder as progress and delivers the signed run to the sink', async () => {
    const model = await crafted();
    const sink = memorySink();
    const labels: string[] = [];
    let last = 0;
    const outcome = await provenanceGate(
      { path: model, policy: policies['model-signer']!.bundle },
      {
        evaluatedAt: at,
        signing: { signer: new KeySigner(await readPrivateKey(join(KEYS, 'ed25519.key'))) },
        sink,
        progress: (label, unit) => (labels.push(`${label} (${unit})`), (done) => (last = done)),
      },
    );
    expect(outcome.statement.predicate!.verdict).toBe('pass');
    expect(sink.attestations).toEqual([outcome.bytes]);
    expect(sink.reports).toEqual([]);
    expect(labels).toEqual([`digesting ${model} (bytes)`]);
    expect(last).toBeGreaterThan(0);
  });
});

describe('runProvenanceGate with a keyless model signature', () => {
  let sigstore: MockSigstore;
  let keylessPolicy: { bundle: VerifiedPolicyBundle; cleanup: () => void };
  beforeAll(async () => {
    sigstore = await startMockSigstore();
    keylessPolicy = await buildTestBundle((data) => {
      data.signers['ci-training'] = { kind: 'keyless', issuer: ISSUER, subject: SUBJECT };
      data.trusted_root = TrustedRoot.toJSON(sigstore.trustedRoot);
      data.model_signers = ['ci-training'];
    });
  }, 60_000);
  afterAll(() => {
    keylessPolicy?.cleanup();
    sigstore.stop();
  });

  const signKeyless = async (claims?: Record<string, unknown>) => {
    const model = join(await temporaryDirectory(), 'model');
    cpSync(MODEL_TREE, model, { recursive: true });
    rmSync(join(model, 'model.sig'));
    await signModelDirectory(model, sigstore.signing(claims));
    return model;
  };
  const gateKeyless = async (model: string) =>
    runProvenanceGate({
      path: model,
      policy: keylessPolicy.bundle,
      evaluatedAt: at,
      signing: { signer: new KeySigner(await readPrivateKey(join(KEYS, 'ed25519.key'))) },
    });

  it('passes and records the OIDC identity that signed the model', async () => {
    const predicate = (await gateKeyless(await signKeyless())).statement.predicate!;
    expect(predicate.reasons).toEqual([]);
    expect(predicate.modelSignature.signer).toEqual({ kind: 'keyless', issuer: ISSUER, subject: SUBJECT });
  });

  it('fails a model signed keyless by an identity that is not trusted', async () => {
    const predicate = (await gateKeyless(await signKeyless({ iss: ISSUER, sub: 'https://github.com/mallory/x/.github/workflows/y.yml@refs/heads/main' }))).statement.predicate!;
    expect(predicate.verdict).toBe('fail');
    expect(predicate.reasons[0]).toMatch(/mallory.*not a trusted identity/);
  });
});

describe('compareManifests', () => {
  it('lists every difference once, sorted by name', () => {
    const signed = [{ name: 'a', digest: '01' }, { name: 'b', digest: '02' }, { name: 'c', digest: '03' }];
    const onDisk = [{ name: 'b', digest: '02' }, { name: 'c', digest: 'ff' }, { name: 'd', digest: '04' }];
    expect(compareManifests(signed, onDisk)).toEqual([
      { name: 'a', problem: 'missing-on-disk' },
      { name: 'c', problem: 'digest-differs' },
      { name: 'd', problem: 'not-in-signature' },
    ]);
    expect(compareManifests(signed, signed)).toEqual([]);
  });
});
