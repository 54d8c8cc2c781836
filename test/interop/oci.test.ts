// The OCI store with the tools that read and write registries: cosign v3
// (new bundle format) reads what gatehouse attached and gatehouse reads what
// cosign attached; oras discover lists gatehouse's attachments. On a registry
// with the referrers API (go-containerregistry's) and on one without it
// (Debian's docker-registry 2.8, through the sha256-<hex> tag index).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/digest/sha256.ts';
import { BUNDLE_ARTIFACT_TYPE, OCIAttestationStore, subjectManifest } from '../../src/store/oci-store.ts';
import { storeEntries } from '../../src/store/store.ts';
import { KEYS, ROOT, gatehouse, run, temporaryDirectory, tool } from '../helpers.ts';
import { startDistributionRegistry, startReferrersRegistry, type TestRegistry } from '../support/registry.ts';

const TYPE = 'https://gatehouse.dev/attestations/interop/v1';
const oras = () => join(ROOT, '.tools', 'bin', 'oras');

let registries: TestRegistry[] = [];
beforeAll(async () => {
  registries = await Promise.all([startReferrersRegistry(), startDistributionRegistry()]);
}, 60_000);
afterAll(async () => {
  for (const registry of registries) await registry.stop();
});

// `oci://host/repo` as the tools name a repository.
const reference = (uri: string, digest: string) => `${uri.slice('oci://'.length)}@${digest}`;

describe.each(['referrers', 'tag-fallback'] as const)('the OCI store and cosign, oras (%s)', (kind) => {
  const registry = () => registries.find((one) => one.kind === kind)!;

  it('cosign download attestation and oras discover find what a gatehouse gate attached about a model digest, on its subject manifest', async () => {
    const uri = registry().repository();
    const dir = await temporaryDirectory();
    const model = join(dir, 'model.bin');
    writeFileSync(model, 'weights\n');
    const digest = `sha256:${sha256Hex('weights\n')}`;
    const gate = gatehouse(['gate', 'integrity', model, '--expected', digest, '--signing-key', join(ROOT, 'examples', 'keys', 'integrity-gate.key'), '--store', uri, '--at', '2026-11-22T09:00:00Z']);
    expect(gate.status, gate.stderr).toBe(0);
    const subject = `sha256:${sha256Hex(subjectManifest(digest.slice('sha256:'.length)))}`;

    const downloaded = run(tool('.tools/bin/cosign'), ['download', 'attestation', reference(uri, subject)]);
    expect(downloaded.status, downloaded.stderr).toBe(0);
    const bundles = downloaded.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(bundles).toHaveLength(1);
    const statement = JSON.parse(Buffer.from(bundles[0].dsseEnvelope.payload, 'base64').toString('utf8'));
    expect(statement).toMatchObject({ predicateType: 'https://gatehouse.dev/attestations/integrity/v1', subject: [{ digest: { sha256: digest.slice('sha256:'.length) } }] });

    const discovered = run(oras(), ['discover', '--plain-http', '--format', 'json', reference(uri, subject)]);
    expect(discovered.status, discovered.stderr).toBe(0);
    const referrers = JSON.parse(discovered.stdout).referrers as Array<{ digest: string; artifactType: string; annotations: Record<string, string> }>;
    expect(referrers).toHaveLength(1);
    expect(referrers[0]!.annotations['dev.sigstore.bundle.predicateType']).toBe('https://gatehouse.dev/attestations/integrity/v1');
    // go-containerregistry's registry types a referrer by its config (the empty type); without the API, gatehouse's tag index carries the artifactType.
    expect(referrers[0]!.artifactType).toBe(kind === 'referrers' ? 'application/vnd.oci.empty.v1+json' : BUNDLE_ARTIFACT_TYPE);
  }, 60_000);

  it('on a model pushed with oras: cosign verify-attestation verifies what gatehouse attached, and gatehouse reads and verifies what cosign attest attached', async () => {
    const uri = registry().repository();
    const dir = await temporaryDirectory();
    writeFileSync(join(dir, 'model.bin'), 'weights\n');
    const pushed = run(oras(), ['push', '--plain-http', '--artifact-type', 'application/vnd.example.model.v1', `${uri.slice('oci://'.length)}:v1`, 'model.bin'], { cwd: dir });
    expect(pushed.status, pushed.stderr).toBe(0);
    const image = run(oras(), ['resolve', '--plain-http', `${uri.slice('oci://'.length)}:v1`]).stdout.trim();
    expect(image).toMatch(/^sha256:[0-9a-f]{64}$/);

    // gatehouse attests the model's manifest digest and attaches it: to that manifest, as cosign would.
    writeFileSync(join(dir, 'predicate.json'), JSON.stringify({ note: 'interop' }));
    const out = join(dir, 'gatehouse.sigstore.json');
    const attest = gatehouse(['attest', '--subject', image, '--predicate-type', TYPE, '--predicate', join(dir, 'predicate.json'), '--signing-key', join(KEYS, 'ecdsa-p256.key'), '--out', out]);
    expect(attest.status, attest.stderr).toBe(0);
    const store = new OCIAttestationStore(uri);
    const mine = (await store.put(readFileSync(out))).bundleDigest;
    const verified = run(tool('.tools/bin/cosign'), ['verify-attestation', '--key', join(KEYS, 'ecdsa-p256.pub'), '--insecure-ignore-tlog', '--type', TYPE, '--new-bundle-format', reference(uri, image)]);
    expect(verified.status, verified.stderr).toBe(0);
    expect(verified.stderr).toContain('The signatures were verified against the specified public key');
    const wrongKey = run(tool('.tools/bin/cosign'), ['verify-attestation', '--key', join(KEYS, 'untrusted.pub'), '--insecure-ignore-tlog', '--type', TYPE, '--new-bundle-format', reference(uri, image)]);
    expect(wrongKey.status).not.toBe(0);

    // cosign attest attaches its own; gatehouse lists both for the model's digest and verifies cosign's.
    const env = { ...process.env, COSIGN_PASSWORD: '' };
    expect(run(tool('.tools/bin/cosign'), ['generate-key-pair', '--output-key-prefix', join(dir, 'c')], { env }).status).toBe(0);
    const cosignAttest = run(tool('.tools/bin/cosign'), [
      'attest', '--key', join(dir, 'c.key'), '--predicate', join(dir, 'predicate.json'), '--type', 'https://example.com/live/v1',
      '--use-signing-config=false', '--tlog-upload=false', '--new-bundle-format', '--yes', reference(uri, image),
    ], { env });
    expect(cosignAttest.status, cosignAttest.stderr).toBe(0);
    const listed = new Map<string, Buffer>();
    for await (const entry of storeEntries(store, image as `sha256:${string}`)) if ('bytes' in entry) listed.set(entry.bundleDigest, entry.bytes);
    expect(listed.size).toBe(2);
    expect(listed.has(mine)).toBe(true);
    const [theirs, bytes] = [...listed].find(([digest]) => digest !== mine)!;
    writeFileSync(join(dir, 'cosign.sigstore.json'), bytes);
    const ok = gatehouse(['verify-attestation', join(dir, 'cosign.sigstore.json'), '--trusted-key', join(dir, 'c.pub'), '--subject', image, '--predicate-type', 'https://example.com/live/v1']);
    expect(ok.status, ok.stderr).toBe(0);
    // cosign's bundle went round gatehouse's inventory: store check reports it as outside it, hiding nothing.
    const check = gatehouse(['store', 'check', '--store', uri, '--json']);
    expect(check.status, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, problems: [], unlisted: [`sha256:${theirs}`] });
  }, 60_000);
});
