// Attacks on decision records: a record doctored and re-signed with the
// decision key, or replayed against other evidence or another policy, must
// replay as different (exit 1); an honest record replays identically.
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, COMMITTED_BUNDLE, DEMO_KEYS, makeWorld, POLICY_PUB, signWith, statementOf, storeOf, verify, type World } from './world.ts';

let world: World;
let allowedStore: string;
let deniedStore: string;
let allowedRecord: string;
let deniedRecord: string;

const replay = (record: string, store: string, policy = COMMITTED_BUNDLE) =>
  cli(['replay', record, '--store', store, '--policy', policy, '--policy-key', POLICY_PUB, '--json']);

beforeAll(async () => {
  world = await makeWorld();
  allowedStore = storeOf(world);
  deniedStore = storeOf(world, { drop: ['safety'] });
  allowedRecord = join(world.dir, 'allowed.json');
  deniedRecord = join(world.dir, 'denied.json');
  const key = ['--signing-key', join(DEMO_KEYS, 'decision-recorder.key')];
  expect((await verify(world, allowedStore, ['--decision-out', allowedRecord, ...key])).code).toBe(0);
  expect((await verify(world, deniedStore, ['--decision-out', deniedRecord, ...key])).code).toBe(1);
}, 120_000);

afterAll(() => world?.cleanup());

/** The record's statement changed by `change` and re-signed with the decision key (an insider who holds it). */
async function doctored(record: string, change: (statement: any) => void): Promise<string> {
  const statement = statementOf(readFileSync(record));
  change(statement);
  const path = join(world.dir, `doctored-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, await signWith('decision-recorder', statement));
  return path;
}

describe('honest records', () => {
  it('replay identically: allowed', async () => {
    const result = await replay(allowedRecord, allowedStore);
    expect(result.code, JSON.stringify(result.json)).toBe(0);
    expect(result.json.identical).toBe(true);
  });

  it('replay identically: denied', async () => {
    const result = await replay(deniedRecord, deniedStore);
    expect(result.code, JSON.stringify(result.json)).toBe(0);
    expect(result.json.recordedAllowed).toBe(false);
  });

  it('replay identically when a bundle also lay in the store under a second name', async () => {
    const store = storeOf(world);
    copyFileSync(join(store, 'bias.json'), join(store, 'bias-copy.json'));
    const record = join(world.dir, 'with-copy.json');
    expect((await verify(world, store, ['--decision-out', record, '--signing-key', join(DEMO_KEYS, 'decision-recorder.key')])).code).toBe(0);
    expect((await replay(record, store)).code).toBe(0);
    rmSync(join(store, 'bias-copy.json'));
    expect((await replay(record, store)).code).toBe(0);
  });

  it('replay identically when a re-serialised copy of a bundle lay beside it', async () => {
    const store = storeOf(world);
    const copy = JSON.stringify(JSON.parse(readFileSync(join(store, 'regression.json'), 'utf8')), null, 3);
    writeFileSync(join(store, 'regression-reformatted.json'), copy);
    const record = join(world.dir, 'with-reformatted.json');
    const decided = await verify(world, store, ['--decision-out', record, '--signing-key', join(DEMO_KEYS, 'decision-recorder.key')]);
    expect(decided.code).toBe(0);
    expect((await replay(record, store)).code).toBe(0);
  });
});

describe('doctored records, re-signed with the decision key', () => {
  const cases: Array<[string, 'allowed' | 'denied', (s: any) => void, RegExp]> = [
    ['a denied verdict flipped to PASSED', 'denied', (s) => (s.predicate.verificationResult = 'PASSED'), /verificationResult: recorded "PASSED", replayed "FAILED"/],
    ['a denied result flipped to allowed', 'denied', (s) => (s.predicate.gatehouse.result.allowed = true), /result\.allowed: recorded true, replayed false/],
    ['a denied record made allowed throughout', 'denied', (s) => {
      s.predicate.verificationResult = 'PASSED';
      s.predicate.gatehouse.result.allowed = true;
      s.predicate.gatehouse.result.violations = [];
    }, /verificationResult/],
    ['violations removed', 'denied', (s) => (s.predicate.gatehouse.result.violations = []), /result\.violations/],
    ['a gate status changed', 'denied', (s) => (s.predicate.gatehouse.result.gates.safety.status = 'present'), /gates\.safety\.status/],
    ['timeVerified moved', 'allowed', (s) => (s.predicate.timeVerified = '2030-01-01T00:00:00Z'), /timeVerified/],
    ['resourceUri changed', 'allowed', (s) => (s.predicate.resourceUri = 'gatehouse:sha256:' + '0'.repeat(64)), /resourceUri/],
    ['an extra subject added', 'allowed', (s) => s.subject.push({ name: 'model-B', digest: { sha256: world.other.slice(7) } }), /record\.subject/],
    ['the subject swapped for another model', 'allowed', (s) => (s.subject[0].digest.sha256 = world.other.slice(7)), /.+/],
    ['verified levels claimed', 'allowed', (s) => (s.predicate.verifiedLevels = ['SLSA_BUILD_LEVEL_3']), /verifiedLevels/],
    ['the verifier changed', 'allowed', (s) => (s.predicate.verifier = { id: 'https://example.com/other-verifier', version: { other: '1' } }), /verifier/],
    ['the engine version changed', 'allowed', (s) => (s.predicate.gatehouse.engine.version = '99.0.0'), /engine/],
    ['the policy revision changed', 'allowed', (s) => (s.predicate.gatehouse.policyRevision = 'sha256:' + 'f'.repeat(64)), /policyRevision/],
    ['the policy digest changed', 'allowed', (s) => (s.predicate.policy.digest.sha256 = 'f'.repeat(64)), /policy\.digest/],
    ['an input attestation URI changed', 'allowed', (s) => (s.predicate.inputAttestations[0].uri = 'https://example.com/x'), /inputAttestations\[0\]\.uri/],
    ['an input attestation removed', 'allowed', (s) => s.predicate.inputAttestations.pop(), /inputDigest/],
    ['the input digest changed', 'allowed', (s) => (s.predicate.gatehouse.inputDigest = 'sha256:' + '1'.repeat(64)), /inputDigest/],
    ['the stage changed', 'allowed', (s) => (s.predicate.gatehouse.stage = 'production'), /stage/],
    ['the deployed model changed', 'allowed', (s) => (s.predicate.gatehouse.deployed = 'sha256:' + '2'.repeat(64)), /deployed/],
    ['the evaluation time moved', 'allowed', (s) => (s.predicate.gatehouse.evaluationTime = '2020-01-01T00:00:00Z'), /timeVerified/],
    ['unreadable files invented', 'allowed', (s) => (s.predicate.gatehouse.unreadable = ['ghost.json']), /unreadable/],
    ['the slsa version changed', 'allowed', (s) => (s.predicate.slsaVersion = '0.1'), /slsaVersion/],
  ];
  for (const [name, which, change, difference] of cases) {
    it(`replays as different: ${name}`, async () => {
      const record = await doctored(which === 'allowed' ? allowedRecord : deniedRecord, change);
      const result = await replay(record, which === 'allowed' ? allowedStore : deniedStore);
      expect(result.code, result.stderr).toBe(1);
      if (result.json !== undefined) {
        expect(result.json.identical).toBe(false);
        expect(result.json.differences.join('\n')).toMatch(difference);
      }
    });
  }
});

describe('records made at a requested time', () => {
  it('say so when replayed', async () => {
    const record = join(world.dir, 'what-if.json');
    const at = new Date(world.judgedAt.getTime() + 3_600_000).toISOString();
    expect((await verify(world, allowedStore, ['--at', at, '--decision-out', record, '--signing-key', join(DEMO_KEYS, 'decision-recorder.key')])).code).toBe(0);
    expect(statementOf(readFileSync(record)).predicate!['gatehouse'].evaluationTimeSource).toBe('requested');
    const text = await cli(['replay', record, '--store', allowedStore, '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/a requested time, not when it was decided/);
  });
});

describe('records replayed against other evidence or policy', () => {
  it('a record is refused when edited without re-signing', async () => {
    const bundle = JSON.parse(readFileSync(deniedRecord, 'utf8'));
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString());
    statement.predicate.verificationResult = 'PASSED';
    bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    const path = join(world.dir, 'edited.json');
    writeFileSync(path, JSON.stringify(bundle));
    const result = await replay(path, deniedStore);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/verification failed/);
  });

  it('a record signed by a gate key instead of a decision signer is refused', async () => {
    const path = join(world.dir, 'by-gate.json');
    writeFileSync(path, await signWith('bias-gate', statementOf(readFileSync(allowedRecord))));
    const result = await replay(path, allowedStore);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/verification failed/);
  });

  it('a gate attestation signed by the decision key is not a record', async () => {
    const path = join(world.dir, 'not-a-record.json');
    writeFileSync(path, await signWith('decision-recorder', statementOf(readFileSync(join(allowedStore, 'bias.json')))));
    const result = await replay(path, allowedStore);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not a decision record/);
  });

  it('an allowed record replays as different once a recorded bundle is gone', async () => {
    const result = await replay(allowedRecord, storeOf(world, { drop: ['bias'] }));
    expect(result.code).toBe(1);
    expect(result.json.differences.join('\n')).toMatch(/is recorded but not in/);
  });

  it('replays as different when the input differs but the result does not (a rejected bundle no longer there)', async () => {
    const store = storeOf(world, { extra: { 'junk.json': Buffer.from('{"not": "a bundle"}') } });
    const record = join(world.dir, 'with-junk.json');
    expect((await verify(world, store, ['--decision-out', record, '--signing-key', join(DEMO_KEYS, 'decision-recorder.key')])).code).toBe(0);
    expect((await replay(record, store)).code).toBe(0);
    const result = await replay(record, allowedStore);
    expect(result.code).toBe(1);
    expect(result.json.allowed).toBe(true);
    expect(result.json.differences.join('\n')).toMatch(/inputDigest/);
  });

  it('replays as different under another policy bundle', async () => {
    const { buildTestBundle } = await import('../support/policy.ts');
    const other = await buildTestBundle();
    try {
      const result = await replay(allowedRecord, allowedStore, other.path);
      expect(result.code).toBe(1);
      expect(result.json.differences.join('\n')).toMatch(/policy\.digest/);
    } finally {
      other.cleanup();
    }
  });
});
