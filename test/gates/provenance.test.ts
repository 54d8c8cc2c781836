import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gateRegistry } from '../../src/gates/registry.ts';
import { compareManifests } from '../../src/gates/provenance/evaluate.ts';
import { runProvenanceGate } from '../../src/gates/provenance/index.ts';
import { modelSigningKeySigner, signModelDirectory } from '../../src/gates/provenance/model-signing.ts';
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
      const passed = (await gate(model)).statement.predicate!;
      expect(passed.modelSignature.serialization).toMatchObject({ method: 'shards', shard_size: 1048576 });
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
