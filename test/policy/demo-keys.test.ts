import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, keyFingerprint, readPublicKey } from '../../src/keys/keys.ts';
import { DEMO_KEY_FINGERPRINTS, demoKeysTrusted, demoKeysWarning } from '../../src/policy/demo-keys.ts';
import { ROOT } from '../helpers.ts';

const DEMO_KEYS = join(ROOT, 'examples', 'keys');

describe('demo keys', () => {
  it('lists exactly the public keys in examples/keys/, by fingerprint', async () => {
    const files = readdirSync(DEMO_KEYS).filter((name) => name.endsWith('.pub')).sort();
    const listed = Object.fromEntries(await Promise.all(files.map(async (name) => [name.slice(0, -4), keyFingerprint(await readPublicKey(join(DEMO_KEYS, name)))] as const)));
    expect(DEMO_KEY_FINGERPRINTS).toEqual(listed);
  });

  it('names the demo keys a policy trusts, as its own key or as a signer, and none for keys of its own', async () => {
    const own = () => createPublicKey(createPrivateKey(generateKeyPair().privateKeyPEM));
    const demo = (name: string) => readPublicKey(join(DEMO_KEYS, `${name}.pub`));
    const pem = (key: import('node:crypto').KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
    const ownSigners = { signers: { gate: { kind: 'key', public_key: pem(own()) }, ci: { kind: 'keyless', issuer: 'https://token.actions.githubusercontent.com', subject: 'x' } } };
    expect(demoKeysTrusted(own(), ownSigners)).toEqual([]);
    expect(demoKeysWarning(own(), ownSigners)).toBeUndefined();
    expect(demoKeysTrusted(await demo('policy-team'), ownSigners)).toEqual(['examples/keys/policy-team.pub']);
    const oneDemoSigner = { signers: { ...ownSigners.signers, bias: { kind: 'key', public_key: pem(await demo('bias-gate')) } } };
    expect(demoKeysTrusted(own(), oneDemoSigner)).toEqual(['examples/keys/bias-gate.pub']);
    // A signer key that does not parse is no demo key, and no crash: the decision refuses it later.
    expect(demoKeysTrusted(own(), { signers: { broken: { kind: 'key', public_key: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' } } })).toEqual([]);
    expect(demoKeysWarning(own(), oneDemoSigner)).toMatch(/^warning: this policy trusts 1 demo key whose private halves are published with gatehouse \(examples\/keys\/bias-gate\.pub\)/);
  });

  it('lists several in name order, counts them in the warning, and passes over a key a keyless signer carries (never trusted)', async () => {
    const own = () => createPublicKey(createPrivateKey(generateKeyPair().privateKeyPEM));
    const pem = async (name: string) => (await readPublicKey(join(DEMO_KEYS, `${name}.pub`))).export({ type: 'spki', format: 'pem' }).toString();
    const data = {
      signers: {
        z: { kind: 'key', public_key: await pem('safety-gate') },
        a: { kind: 'key', public_key: await pem('bias-gate') },
        ci: { kind: 'keyless', public_key: await pem('integrity-gate') },
      },
    };
    expect(demoKeysTrusted(own(), data)).toEqual(['examples/keys/bias-gate.pub', 'examples/keys/safety-gate.pub']);
    expect(demoKeysWarning(own(), data)).toBe(
      'warning: this policy trusts 2 demo keys whose private halves are published with gatehouse (examples/keys/bias-gate.pub, examples/keys/safety-gate.pub); anyone can sign with them, so use your own keys outside the demo',
    );
  });
});
