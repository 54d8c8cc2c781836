// The CLI over each store backend, folder, PostgreSQL (a private cluster) and an
// OCI registry (with the referrers API, and Debian's docker-registry without it):
// gates write, verify decides and keeps its signed record in the store, replay
// and `store check` find a deletion, and a policy that requires evidence read
// from an inventory that verifies denies once the newest failing attestation
// is deleted, where without it the older pass would stand. On each backend too,
// the approval commands (request, review, sign, status, audit, break-glass) keep
// and read their statements there, and `gatehouse serve` over that store
// answers /v1/decisions from them, keeping its signed records there.
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEY_FINGERPRINTS } from '../../src/policy/demo-keys.ts';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import { openStore } from '../../src/store/open.ts';
import { storeEntries } from '../../src/store/store.ts';
import { ROOT, gatehouse, gatehouseAsync } from '../helpers.ts';
import { claimingBundle } from '../support/claiming.ts';
import { buildTestBundle } from '../support/policy.ts';
import { TEST_PASSWORD, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { startDistributionRegistry, startReferrersRegistry, tamper, type TestRegistry } from '../support/registry.ts';
import { send, spawnServe } from '../support/serve.ts';

const KEYS = join(ROOT, 'examples', 'keys');
const POLICY_PUB = join(KEYS, 'policy-team.pub');

let work: string;
let model: string;
let digest: string;
let policy: { path: string; cleanup: () => void };
let postgres: TestPostgres;
let registries: TestRegistry[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gatehouse-cli-stores-'));
  model = join(work, 'model');
  cpSync(join(ROOT, 'test', 'fixtures', 'model-tree'), model, { recursive: true });
  rmSync(join(model, 'model.sig'));
  const { signModelDirectory, modelSigningKeySigner } = await import('../../src/gates/provenance/model-signing.ts');
  const { readPrivateKey } = await import('../../src/keys/keys.ts');
  await signModelDirectory(model, { signer: modelSigningKeySigner(await readPrivateKey(join(KEYS, 'training-pipeline.key'))) });
  digest = gatehouse(['digest', model]).stdout.trim();
  // The example policy and two more stages: development's gates, from evidence read from an inventory
  // that verifies; and development's gates with human approval.
  policy = await buildTestBundle((data) => {
    data['stages']['development-inventoried'] = { ...data['stages'].development, require_inventory: true };
    data['stages']['development-approved'] = { required_gates: [...data['stages'].development.required_gates, 'approval'] };
    data['approval'].stages['development-approved'] = { traffic_share: 0.01, reversible: true, sensitive_use: false };
  });
  [postgres, ...registries] = await Promise.all([startPostgres(), startReferrersRegistry(), startDistributionRegistry()]);
}, 180_000);

afterAll(async () => {
  policy?.cleanup();
  await postgres?.stop();
  for (const registry of registries) await registry.stop();
  rmSync(work, { recursive: true, force: true });
});

interface Backend {
  name: string;
  store(): Promise<string>;
  deleteBundle(store: string, bundleDigest: string): Promise<void>;
}

const BACKENDS: Backend[] = [
  {
    name: 'file',
    store: async () => `file:${mkdtempSync(join(work, 'attestations-'))}`,
    async deleteBundle(store, bundleDigest) {
      const root = store.slice('file:'.length);
      for (const folder of readdirSync(root).filter((name) => name.startsWith('sha256-'))) rmSync(join(root, folder, `${bundleDigest}.sigstore.json`), { force: true });
    },
  },
  {
    name: 'postgres',
    async store() {
      const url = await postgres.createDatabase();
      const migrated = gatehouse(['store', 'migrate', '--store', url]);
      expect(migrated.status, migrated.stderr).toBe(0);
      return url;
    },
    // The tables refuse DELETE; a superuser switches the triggers off, as an attacker with the keys to the database could.
    async deleteBundle(store, bundleDigest) {
      await postgres.query(store, `SET session_replication_role = replica; DELETE FROM gatehouse_bundle_subjects WHERE digest = '${bundleDigest}'; DELETE FROM gatehouse_bundles WHERE digest = '${bundleDigest}'`);
    },
  },
  ...(['referrers', 'tag-fallback'] as const).map((kind) => ({
    name: `oci (${kind})`,
    store: async () => registries.find((registry) => registry.kind === kind)!.repository(),
    // Someone who may push to the repository deletes the attachment (and its line in the tag index).
    deleteBundle: (store: string, bundleDigest: string) => tamper.deleteBundle(store, bundleDigest),
  })),
];

// The bundle digests the store lists for the model.
async function listed(store: string): Promise<Set<string>> {
  const opened = openStore(store);
  try {
    const out = new Set<string>();
    for await (const entry of storeEntries(opened, digest as `sha256:${string}`)) if ('bundleDigest' in entry) out.add(entry.bundleDigest);
    return out;
  } finally {
    await opened.close();
  }
}

describe.each(BACKENDS)('the CLI on a $name store', (backend) => {
  it('decides, records, and finds the newest failing attestation deleted', async () => {
    const store = await backend.store();
    const gate = (at: string, expected: string) =>
      gatehouse(['gate', 'integrity', model, '--expected', expected, '--signing-key', join(KEYS, 'integrity-gate.key'), '--store', store, '--at', at, '--json']);
    const provenance = gatehouse(['gate', 'provenance', model, '--policy', policy.path, '--policy-key', POLICY_PUB, '--signing-key', join(KEYS, 'provenance-gate.key'), '--store', store, '--at', '2026-11-22T09:00:00Z']);
    expect(provenance.status, provenance.stderr).toBe(0);
    expect(gate('2026-11-22T09:00:00Z', digest).status).toBe(0);
    const verify = (stage: string, at: string, out?: string) =>
      gatehouse([
        'verify', '--subject', digest, '--store', store, '--policy', policy.path, '--policy-key', POLICY_PUB, '--stage', stage, '--at', at,
        '--signing-key', join(KEYS, 'decision-recorder.key'), ...(out === undefined ? [] : ['--decision-out', join(work, out)]),
      ]);
    const replay = (record: string) => gatehouse(['replay', join(work, record), '--store', store, '--policy', policy.path, '--policy-key', POLICY_PUB]);
    const check = () => gatehouse(['store', 'check', '--store', store]);

    // Unmodified: allowed under both policies, the record kept by the store, which checks intact; the replay is identical.
    const first = verify('development', '2026-11-22T10:00:00Z', `${backend.name}-first.json`);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^ALLOWED: /);
    const kept = verify('development-inventoried', '2026-11-22T10:00:00Z');
    expect(kept.status, kept.stdout + kept.stderr).toBe(0);
    expect(kept.stdout).toMatch(/decision record: .*decisions\/[0-9a-f]{64}\.sigstore\.json$/m);
    expect(kept.stdout + kept.stderr).not.toContain(TEST_PASSWORD);
    expect(check().status, check().stdout + check().stderr).toBe(0);
    expect(check().stdout).toMatch(/^intact: .* inventory head 2:[0-9a-f]{64}$/m);
    expect(replay(`${backend.name}-first.json`).status).toBe(0);

    // A newer integrity attestation fails: denied.
    const before = await listed(store);
    const failing = gate('2026-11-22T09:30:00Z', `sha256:${'0f'.repeat(32)}`);
    expect(failing.status).toBe(1);
    const denied = verify('development', '2026-11-22T10:00:00Z', `${backend.name}-denied.json`);
    expect(denied.status, denied.stderr).toBe(1);
    expect(denied.stdout).toMatch(/^DENIED: /);
    expect(check().status).toBe(0);

    // Someone deletes the failing attestation: a listing shows nothing wrong, and the older pass stands again.
    const bundleDigest = [...(await listed(store))].find((one) => !before.has(one));
    expect(bundleDigest).toMatch(/^[0-9a-f]{64}$/);
    await backend.deleteBundle(store, bundleDigest!);
    const reopened = verify('development', '2026-11-22T10:00:00Z', `${backend.name}-after.json`);
    expect(reopened.status, reopened.stderr).toBe(0);
    expect(reopened.stdout).toMatch(/^ALLOWED: /);

    // The inventory notices: store check fails, and both records made since the failing attestation replay as different.
    const tampered = check();
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toContain(`bundle sha256:${bundleDigest} (inventory entry 3) is gone from the store: it was deleted`);
    for (const record of [`${backend.name}-denied.json`, `${backend.name}-after.json`]) {
      const replayed = replay(record);
      expect(replayed.status, record).toBe(1);
      expect(replayed.stdout).toMatch(new RegExp(`inventory of .*: bundle sha256:${bundleDigest} \\(inventory entry 3\\) is gone from the store`));
    }
    // A policy that requires an inventory that verifies denies, naming why.
    const refused = gatehouse(['verify', '--subject', digest, '--store', store, '--policy', policy.path, '--policy-key', POLICY_PUB, '--stage', 'development-inventoried', '--at', '2026-11-22T10:00:00Z', '--json']);
    expect(refused.status, refused.stderr).toBe(1);
    const decision = JSON.parse(refused.stdout) as { allowed: boolean; violations: Array<{ code: string }> };
    expect(decision.allowed).toBe(false);
    expect(decision.violations.map((violation) => violation.code)).toEqual(['inventory_unverified']);
  }, 240_000);

  it('keeps and reads approvals, and serves decisions from them', async () => {
    const store = await backend.store();
    // Relative to the clock, which is what a server decides at: two hours ago, to the second.
    const start = Math.floor(Date.now() / 1000) * 1000 - 7_200_000;
    const at = (minutes: number) => new Date(start + minutes * 60_000).toISOString();
    const policyFlags = ['--policy', policy.path, '--policy-key', POLICY_PUB];
    const signed = (result: { status: number | null; stdout: string; stderr: string }) => {
      expect(result.status, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as Record<string, any>;
    };
    const approval = (command: string, ...args: string[]) => gatehouse(['approval', command, ...args, '--store', store, ...policyFlags]);
    const [provenanceRun, integrityRun, served] = await Promise.all([
      gatehouseAsync(['gate', 'provenance', model, ...policyFlags, '--signing-key', join(KEYS, 'provenance-gate.key'), '--store', store, '--at', at(0), '--json']),
      gatehouseAsync(['gate', 'integrity', model, '--expected', digest, '--signing-key', join(KEYS, 'integrity-gate.key'), '--store', store, '--at', at(0), '--json']),
      spawnServe([...policyFlags, '--store', store, '--listen', '127.0.0.1:0', '--decision-key', join(KEYS, 'decision-recorder.key')]),
    ]);
    try {
      const [provenance, integrity] = [signed(provenanceRun), signed(integrityRun)];
      const decide = async () => {
        const answer = await send(`${served.url}/v1/decisions`, { body: { subject: digest, stage: 'development-approved' } });
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        return answer.body as Record<string, any>;
      };
      // The gates alone: denied for want of approval, and the record kept before the answer.
      const unapproved = await decide();
      expect(unapproved.allowed).toBe(false);
      expect(new Set(unapproved.violations.map((violation: { gate: string }) => violation.gate))).toEqual(new Set(['approval']));
      expect(unapproved.decisionRecord).toMatch(/decisions\/[0-9a-f]{64}\.sigstore\.json$/);

      // A request covers exactly the gates the store holds, as signed; an approver reviews and approves it.
      const request = signed(approval('request', '--subject', digest, '--stage', 'development-approved', '--signing-key', join(KEYS, 'release-manager.key'), '--at', at(1), '--json'));
      const review = signed(approval('review', request['request'], '--at', at(2), '--json'));
      expect(review['gates'].map((gate: { gate: string }) => gate.gate)).toEqual(['integrity', 'provenance']);
      const findings: string[] = [];
      if (review['deepReview'].selected) {
        const path = join(work, `findings-${request['request'].slice(7, 19)}.json`);
        writeFileSync(path, JSON.stringify(review['deepReview'].items.map((item: string) => ({ item, judgment: 'ok' }))));
        findings.push('--findings', path);
      }
      // As many members of each role as the request's tier asks for.
      const names: string[] = [];
      for (const { count, members } of review['required'].roles as Array<{ count: number; members: string[] }>) names.push(...members.filter((member) => !names.includes(member)).slice(0, count));
      expect(names.length).toBeGreaterThan(0);
      const words = names.map((name) => signed(approval('sign', request['request'], '--signing-key', join(KEYS, `${name}.key`), '--decision', 'approve', '--justification', `${name} read the packet`, '--at', at(3), ...findings, '--json')));
      const status = signed(approval('status', '--subject', digest, '--stage', 'development-approved', '--at', at(4), '--json'));
      expect(status['requests'].map((one: { digest: string; state: string }) => [one.digest, one.state])).toEqual([[request['request'], 'approved']]);

      // The server reads what the commands wrote, to the byte: each gate and approval by the digest its signer gave.
      const approved = await decide();
      expect(approved.allowed, JSON.stringify(approved.violations)).toBe(true);
      const attestationsOf = (gate: string) => [...approved.gates[gate].attestations].sort();
      const digestOf = (location: string) => `sha256:${/([0-9a-f]{64})\.sigstore\.json$/.exec(location)![1]}`;
      expect(attestationsOf('integrity')).toEqual([digestOf(integrity['attestation'])]);
      expect(attestationsOf('provenance')).toEqual([digestOf(provenance['attestation'])]);
      expect(approved.gates.approval.signers.sort()).toEqual(names.map((name) => `key:${DEMO_KEY_FINGERPRINTS[name]}`).sort());
      expect(attestationsOf('approval')).toContain(words[0]!['approval']);
      // verify over the same store decides the same.
      const verified = gatehouse(['verify', '--subject', digest, '--stage', 'development-approved', '--store', store, ...policyFlags, '--json']);
      expect(verified.status, verified.stderr).toBe(0);
      const timeless = ({ evaluationTime: _time, inputDigest: _digest, decisionRecord: _record, ...rest }: Record<string, unknown>) => rest;
      expect(timeless(approved)).toEqual(timeless(JSON.parse(verified.stdout)));

      // A break-glass override is kept, and every decision and the audit show it; the audit counts each approver's word.
      const glass = approval('break-glass', '--subject', digest, '--stage', 'development-approved', '--reason', 'incident 12: rollback', '--signing-key', join(KEYS, 'oncall-erin.key'), '--at', at(5));
      expect(glass.status, glass.stderr).toBe(0);
      const override = /^break-glass: (sha256:[0-9a-f]{64})$/m.exec(glass.stdout)![1]!;
      const overridden = await decide();
      expect(overridden.break_glass.map((entry: { attestation: string; signer: string }) => [entry.attestation, entry.signer])).toEqual([[override, `key:${DEMO_KEY_FINGERPRINTS['oncall-erin']}`]]);
      const audit = JSON.stringify(signed(approval('audit', '--at', at(6), '--json')));
      for (const name of names) expect(audit).toContain(name);
      expect(audit).toContain('incident 12: rollback');

      // Every record the server signed is in the store, whose inventory still checks intact.
      const check = gatehouse(['store', 'check', '--store', store]);
      expect(check.status, check.stdout + check.stderr).toBe(0);
      expect(JSON.stringify(served.logs)).not.toContain(TEST_PASSWORD);
    } finally {
      served.child.kill('SIGTERM');
      await served.exited;
    }
  }, 240_000);
});

describe('gatehouse store check', () => {
  it('requires each --head given to be on the chain, and refuses one that is not SEQ:SHA256', async () => {
    const root = mkdtempSync(join(work, 'check-'));
    const store = new FileSystemAttestationStore(root);
    await store.put(claimingBundle(['c3'.repeat(32)], 1));
    const head = (await store.inventoryHead())!;
    const ok = gatehouse(['store', 'check', '--store', `file:${root}`, '--head', `${head.sequence}:${head.head}`, '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, head, problems: [], unlisted: [] });
    const elsewhere = gatehouse(['store', 'check', '--store', `file:${root}`, '--head', `2:${'ab'.repeat(32)}`]);
    expect(elsewhere.status).toBe(1);
    expect(elsewhere.stdout).toMatch(/^TAMPERED: /);
    expect(elsewhere.stdout).toContain(`inventory head 2:${'ab'.repeat(32)} is not on the chain`);
    const bogus = gatehouse(['store', 'check', '--store', `file:${root}`, '--head', 'latest']);
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toMatch(/^gatehouse: --head: expected <sequence>:<64 lowercase hex>, got "latest"$/m);
  });
});
