// A model pushed to a registry as an OCI artifact (one file per layer, its path in
// org.opencontainers.image.title, as `oras push` does) and named by
// `--subject oci://REGISTRY/REPOSITORY@sha256:…`, with its evidence in the same
// repository: the integrity gate binds the manifest digest to the model-signing
// directory digest of its content, so the provenance gate's attestation about
// the model's folder counts for the manifest. Attacks: a binding of the folder's
// digest to another manifest by a signer the policy does not trust for
// integrity, a layer blob rewritten on the registry's disk, a tag in place of a
// digest, a registry that does not answer. Real registries on loopback: the
// referrers-capable test registry and Debian's docker-registry (tag fallback).
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashModelDirectory } from '../../src/digest/model.ts';
import { sha256Hex } from '../../src/digest/sha256.ts';
import { readKeySigner } from '../../src/sign/key/key-signer.ts';
import { signStatement } from '../../src/sign/attest.ts';
import { OCI_MANIFEST, RegistryClient } from '../../src/store/oci-registry.ts';
import { openStore } from '../../src/store/open.ts';
import { serializeBundle } from '../../src/store/serialize.ts';
import { ROOT, gatehouse, run } from '../helpers.ts';
import { freePort } from '../support/net.ts';
import { startDistributionRegistry, startReferrersRegistry, tamper, type TestRegistry } from '../support/registry.ts';

const KEYS = join(ROOT, 'examples', 'keys');
const POLICY = join(ROOT, 'bundles', 'gatehouse.tar.gz');
const POLICY_PUB = join(KEYS, 'policy-team.pub');
const AT = '2026-11-22T09:00:00Z';
const DECIDED = '2026-11-22T10:00:00Z';

let work: string;
let registries: TestRegistry[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gatehouse-oci-subject-'));
  registries = await Promise.all([startReferrersRegistry(), startDistributionRegistry()]);
}, 120_000);

afterAll(async () => {
  for (const registry of registries) await registry.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A model folder of its own (a file that makes its content unique), signed by the training pipeline; its directory digest. */
async function signedModel(name: string, weights?: string): Promise<{ path: string; digest: string }> {
  const path = join(work, name);
  cpSync(join(ROOT, 'test', 'fixtures', 'model-tree'), path, { recursive: true });
  rmSync(join(path, 'model.sig'));
  writeFileSync(join(path, 'unique.txt'), `${name} ${process.pid} ${weights ?? ''}\n`);
  const { signModelDirectory, modelSigningKeySigner } = await import('../../src/gates/provenance/model-signing.ts');
  const { readPrivateKey } = await import('../../src/keys/keys.ts');
  await signModelDirectory(path, { signer: modelSigningKeySigner(await readPrivateKey(join(KEYS, 'training-pipeline.key'))) });
  return { path, digest: gatehouse(['digest', path]).stdout.trim() };
}

function files(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(root, join(dir, entry.name)) : [relative(root, join(dir, entry.name)).split('\\').join('/')]));
}

/** Pushes a model folder as an OCI artifact (one layer per file, model.sig too), tagged `tag`; returns the pinned reference and its layers. */
async function pushModel(repository: string, model: string, tag = 'v1'): Promise<{ reference: string; manifest: string; layers: Array<{ digest: string; path: string }> }> {
  const { host, repository: name } = /^oci:\/\/(?<host>[^/]+)\/(?<repository>.+)$/.exec(repository)!.groups as { host: string; repository: string };
  const client = new RegistryClient(host, name);
  const config = await client.pushBlob(Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
  const layers = [];
  for (const path of files(model).sort()) {
    const descriptor = await client.pushBlob(readFileSync(join(model, path)), 'application/octet-stream');
    layers.push({ ...descriptor, annotations: { 'org.opencontainers.image.title': path } });
  }
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.gatehouse.model.v1', config, layers }));
  await client.pushManifest(tag, bytes, OCI_MANIFEST);
  const manifest = `sha256:${sha256Hex(bytes)}`;
  return { reference: `${repository}@${manifest}`, manifest, layers: layers.map((layer) => ({ digest: layer.digest, path: layer.annotations['org.opencontainers.image.title'] })) };
}

const integrity = (subject: string, store: string, extra: string[] = []) =>
  gatehouse(['gate', 'integrity', '--subject', subject, '--signing-key', join(KEYS, 'integrity-gate.key'), '--store', store, '--at', AT, '--json', ...extra]);
const provenance = (model: string, store: string) =>
  gatehouse(['gate', 'provenance', model, '--policy', POLICY, '--policy-key', POLICY_PUB, '--signing-key', join(KEYS, 'provenance-gate.key'), '--store', store, '--at', AT]);
const verify = (subject: string, store: string, extra: string[] = []) =>
  gatehouse(['verify', '--subject', subject, '--store', store, '--policy', POLICY, '--policy-key', POLICY_PUB, '--stage', 'development', '--at', DECIDED, '--json', ...extra]);
// Neither integrity nor provenance evidence about the manifest: each gate is named missing and unsatisfied.
const MISSING_BOTH = ['required_gate_missing', 'required_gate_missing', 'required_gate_unsatisfied', 'required_gate_unsatisfied'];
// What a command said on stderr but the demo keys' warning.
const errorLines = (stderr: string) => stderr.trim().split('\n').filter((line) => !line.startsWith('gatehouse: warning:'));
const codes = (stdout: string) => (JSON.parse(stdout) as { violations: Array<{ code: string }> }).violations.map((violation) => violation.code).sort();

describe.each(['referrers', 'tag-fallback'] as const)('--subject oci://… on the %s registry', (kind) => {
  it('binds the manifest to the directory digest, and verify allows with the provenance about the folder', async () => {
    const registry = registries.find((one) => one.kind === kind)!;
    const repository = registry.repository();
    const model = await signedModel(`model-${kind}`);
    const pushed = await pushModel(repository, model.path);

    // Provenance judged on the folder alone is about the directory digest, which a decision about the manifest does not read.
    expect(provenance(model.path, repository).status).toBe(0);
    const without = verify(pushed.reference, repository);
    expect(without.status, without.stderr).toBe(1);
    expect(codes(without.stdout)).toEqual(MISSING_BOTH);

    // The integrity gate fetches the manifest and every blob, and signs one statement about both digests.
    const gate = integrity(pushed.reference, repository);
    expect(gate.status, gate.stderr).toBe(0);
    const statement = (JSON.parse(gate.stdout) as { statement: { subject: Array<{ name: string; digest: { sha256: string } }>; predicate: Record<string, any> } }).statement;
    expect(statement.subject).toEqual([
      { name: pushed.reference, digest: { sha256: pushed.manifest.slice(7) } },
      { name: repository.split('/').at(-1), digest: { sha256: model.digest.slice(7) } },
    ]);
    expect(statement.predicate).toMatchObject({
      verdict: 'pass',
      artifact: { digest: model.digest, kind: 'directory', serialization: { method: 'files' }, resources: (await hashModelDirectory(model.path)).resources.length },
      expected: { digest: pushed.manifest, source: pushed.reference },
      oci: { reference: pushed.reference, manifestDigest: pushed.manifest, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.gatehouse.model.v1', layers: files(model.path).length },
    });

    // The complete development chain: allowed, recorded, replayed identically.
    const record = join(work, `record-${kind}.json`);
    const allowed = verify(pushed.reference, repository, ['--signing-key', join(KEYS, 'decision-recorder.key'), '--decision-out', record]);
    expect(allowed.status, allowed.stdout + allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ allowed: true, artifact: pushed.manifest, violations: [] });
    const replayed = gatehouse(['replay', record, '--store', repository, '--policy', POLICY, '--policy-key', POLICY_PUB]);
    expect(replayed.status, replayed.stdout + replayed.stderr).toBe(0);
    // The approval commands take the same reference.
    const status = gatehouse(['approval', 'status', '--subject', pushed.reference, '--stage', 'development', '--store', repository, '--policy', POLICY, '--policy-key', POLICY_PUB]);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toContain(`no approval requests for ${pushed.manifest} at development`);
  }, 240_000);
});

describe('--subject oci://… on a model pushed with oras', () => {
  it("gives the folder's directory digest: oras names each layer by its path as model-signing reads OCI manifests", async () => {
    const registry = registries.find((one) => one.kind === 'referrers')!;
    const repository = registry.repository();
    const model = await signedModel('oras-pushed');
    const target = `${repository.slice('oci://'.length)}:v1`;
    const pushed = run(join(ROOT, '.tools', 'bin', 'oras'), ['push', '--plain-http', '--artifact-type', 'application/vnd.example.model.v1', target, ...files(model.path).sort()], { cwd: model.path });
    expect(pushed.status, pushed.stderr).toBe(0);
    const manifest = run(join(ROOT, '.tools', 'bin', 'oras'), ['resolve', '--plain-http', target]).stdout.trim();
    expect(manifest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const gate = integrity(`${repository}@${manifest}`, repository);
    expect(gate.status, gate.stderr).toBe(0);
    const { statement } = JSON.parse(gate.stdout) as { statement: { subject: Array<{ digest: { sha256: string } }>; predicate: { verdict: string; artifact: { digest: string } } } };
    expect(statement.predicate.verdict).toBe('pass');
    expect(statement.predicate.artifact.digest).toBe(model.digest);
    expect(statement.subject.map((subject) => `sha256:${subject.digest.sha256}`)).toEqual([manifest, model.digest]);
  }, 120_000);
});

describe('--subject oci://… attacks', () => {
  it('denies evidence about the folder bound to another manifest by a signer not trusted for integrity, and never counts evidence about an unrelated manifest', async () => {
    const registry = registries.find((one) => one.kind === 'referrers')!;
    const repository = registry.repository();
    const good = await signedModel('good');
    const evil = await signedModel('evil', 'other weights');
    const [pushedGood, pushedEvil] = [await pushModel(repository, good.path, 'good'), await pushModel(repository, evil.path, 'evil')];
    expect(integrity(pushedGood.reference, repository).status).toBe(0);
    expect(provenance(good.path, repository).status).toBe(0);
    // Unmodified: the good manifest is allowed.
    expect(verify(pushedGood.reference, repository).status).toBe(0);

    // The evil manifest has none of the good one's evidence: the good folder's provenance and the good manifest's integrity do not count.
    const unrelated = verify(pushedEvil.reference, repository);
    expect(unrelated.status).toBe(1);
    expect(codes(unrelated.stdout)).toEqual(MISSING_BOTH);

    // Someone signs the good integrity statement over for the evil manifest, with a key the policy knows but not for integrity.
    const honestRun = gatehouse(['gate', 'integrity', '--subject', pushedGood.reference, '--signing-key', join(KEYS, 'integrity-gate.key'), '--out', join(work, 'honest.json'), '--at', AT, '--json']);
    expect(honestRun.status, honestRun.stderr).toBe(0);
    const honest = (JSON.parse(honestRun.stdout) as { statement: any }).statement;
    const forged = structuredClone(honest);
    forged.subject[0] = { name: pushedEvil.reference, digest: { sha256: pushedEvil.manifest.slice(7) } };
    forged.predicate.expected = { digest: pushedEvil.manifest, source: pushedEvil.reference };
    forged.predicate.oci = { ...forged.predicate.oci, reference: pushedEvil.reference, manifestDigest: pushedEvil.manifest };
    const store = openStore(repository);
    try {
      await store.put(serializeBundle(await signStatement(forged, { signer: await readKeySigner(join(KEYS, 'regression-gate.key')) })));
    } finally {
      await store.close();
    }
    const denied = verify(pushedEvil.reference, repository);
    expect(denied.status, denied.stderr).toBe(1);
    const decision = JSON.parse(denied.stdout) as { allowed: boolean; violations: Array<{ code: string; gate: string; msg: string }> };
    expect(decision.allowed).toBe(false);
    expect(decision.violations.map((violation) => `${violation.gate}:${violation.code}`).sort()).toEqual([
      'integrity:required_gate_unsatisfied',
      'integrity:signer_not_authorised',
      // The good manifest's own integrity attestation, read because it is about the good folder too, is no evidence for the evil one.
      'integrity:subject_unbound',
      'provenance:required_gate_unsatisfied',
      'provenance:subject_unbound',
    ]);
    expect(decision.violations.find((violation) => violation.code === 'subject_unbound')!.msg).toContain(good.digest);
    // The good manifest is still allowed: the forgery names it nowhere.
    expect(verify(pushedGood.reference, repository).status).toBe(0);
  }, 240_000);

  it.each(['referrers', 'tag-fallback'] as const)('fails integrity when a layer blob is rewritten on the %s registry disk, and the binding no longer counts', async (kind) => {
    const registry = registries.find((one) => one.kind === kind)!;
    const repository = registry.repository();
    const model = await signedModel(`rewritten-${kind}`);
    const pushed = await pushModel(repository, model.path);
    expect(provenance(model.path, repository).status).toBe(0);
    // Unmodified: integrity passes and the chain is allowed.
    expect(integrity(pushed.reference, repository, ['--at', '2026-11-22T08:00:00Z']).status).toBe(0);
    expect(verify(pushed.reference, repository).status).toBe(0);

    const layer = pushed.layers.find((one) => one.path === 'unique.txt')!;
    await tamper.rewriteBlob(registry, layer.digest.slice(7), Buffer.from('rewritten weights\n'));
    const gate = integrity(pushed.reference, repository);
    expect(gate.status, gate.stderr).toBe(1);
    const predicate = (JSON.parse(gate.stdout) as { statement: { predicate: { verdict: string; reasons: string[]; artifact: { digest: string } } } }).statement.predicate;
    expect(predicate.verdict).toBe('fail');
    // The test registry answers 404 for a blob whose bytes on disk no longer hash to its name; docker-registry serves the bytes.
    expect(predicate.reasons).toHaveLength(registry.kind === 'referrers' ? 1 : 2);
    expect(predicate.reasons[0]).toMatch(new RegExp(`^layer "unique.txt": the registry (has no blob ${layer.digest}|serves bytes hashing to sha256:${sha256Hex(Buffer.from('rewritten weights\n'))}, not the ${layer.digest} the manifest names)$`));
    expect(predicate.artifact.digest).not.toBe(model.digest);
    // The newer integrity attestation failed: denied, though the older pass and the folder's provenance are still in the store.
    const denied = verify(pushed.reference, repository);
    expect(denied.status).toBe(1);
    expect(codes(denied.stdout)).toEqual(['gate_not_passed', 'required_gate_unsatisfied', 'subject_unbound']);
  }, 240_000);

  it('refuses a tag (exit 2, one line), a digest the registry does not serve (exit 2), and a registry that does not answer (exit 3)', async () => {
    const registry = registries.find((one) => one.kind === 'referrers')!;
    const repository = registry.repository();
    const model = await signedModel('tagged');
    const pushed = await pushModel(repository, model.path, 'v1');
    // Unmodified: the pinned reference is accepted.
    expect(integrity(pushed.reference, repository).status).toBe(0);

    const plainIntegrity = (subject: string) => gatehouse(['gate', 'integrity', '--subject', subject, '--signing-key', join(KEYS, 'integrity-gate.key'), '--store', repository, '--at', AT]);
    const plainVerify = (subject: string) => gatehouse(['verify', '--subject', subject, '--store', repository, '--policy', POLICY, '--policy-key', POLICY_PUB, '--stage', 'development', '--at', DECIDED]);
    for (const run of [plainIntegrity, plainVerify]) {
      const tagged = run(`${repository}:v1`);
      expect(tagged.status).toBe(2);
      expect(tagged.stdout).toBe('');
      expect(errorLines(tagged.stderr)).toEqual([`gatehouse: --subject: "${repository}:v1" names no manifest digest (a tag can move): pin it as oci://REGISTRY/REPOSITORY@sha256:<hex>`]);
      const absent = run(`${repository}@sha256:${'0e'.repeat(32)}`);
      expect(absent.status).toBe(2);
      expect(errorLines(absent.stderr)).toEqual([`gatehouse: --subject: ${repository}@sha256:${'0e'.repeat(32)}: the registry serves no manifest with that digest`]);
    }
    const unreachable = `oci://127.0.0.1:${await freePort()}/gatehouse/model@${pushed.manifest}`;
    const down = gatehouse(['verify', '--subject', unreachable, '--store', `file:${join(work, 'empty-store')}`, '--policy', POLICY, '--policy-key', POLICY_PUB, '--stage', 'development', '--at', DECIDED]);
    expect(down.status, down.stderr).toBe(3);
    expect(errorLines(down.stderr)).toHaveLength(1);
  }, 240_000);
});
