// Attacks on the machinery: nothing an attacker writes into the store or hands
// to the CLI may crash it (exit 3), hang it, spoof its output, or change the
// decision; bad input is refused with exit 2 before anything is written.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleOf, cli, codes, COMMITTED_BUNDLE, DEMO_KEYS, makeWorld, POLICY_PUB, resigned, signRawPayload, storeOf, tampered, verify, withPayload, type World } from './world.ts';

let world: World;

beforeAll(async () => {
  world = await makeWorld();
}, 120_000);

afterAll(() => world?.cleanup());

/** The decision is unchanged by what was added: still allowed, with the junk reported as rejected. */
async function stillAllowed(extra: Record<string, Buffer>, rejected?: number): Promise<void> {
  const result = await verify(world, storeOf(world, { extra }));
  expect(result.code, result.stderr + JSON.stringify(result.json?.violations)).toBe(0);
  if (rejected !== undefined) expect(result.json.rejected).toHaveLength(rejected);
}

/** Still denied (safety missing) whatever was added, never crashing. */
async function stillDenied(extra: Record<string, Buffer>): Promise<Awaited<ReturnType<typeof verify>>> {
  const result = await verify(world, storeOf(world, { drop: ['safety'], extra }));
  expect(result.code, result.stderr).toBe(1);
  expect(codes(result)).toContain('required_gate_unsatisfied');
  expect(result.json.gates.safety.attestations).toEqual([]);
  return result;
}

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

describe('malformed bundles are evidence of nothing, never a crash', () => {
  const junk: Array<[string, () => Buffer | Promise<Buffer>]> = [
    ['an empty file', () => Buffer.alloc(0)],
    ['truncated JSON', () => bundleOf(world, 'bias').bytes.subarray(0, 200)],
    ['bytes that are not UTF-8', () => Buffer.from([0xff, 0xfe, 0x7b, 0x7d])],
    ['a JSON array', () => Buffer.from('[]')],
    ['a JSON number', () => Buffer.from('42')],
    ['JSON null', () => Buffer.from('null')],
    ['another media type', () => tampered(bundleOf(world, 'bias').bytes, (b) => (b.mediaType = 'text/plain'))],
    ['two signatures', () => tampered(bundleOf(world, 'bias').bytes, (b) => b.dsseEnvelope.signatures.push(b.dsseEnvelope.signatures[0]))],
    ['no signature', () => tampered(bundleOf(world, 'bias').bytes, (b) => (b.dsseEnvelope.signatures = []))],
    ['a payload type other than in-toto', () => tampered(bundleOf(world, 'bias').bytes, (b) => (b.dsseEnvelope.payloadType = 'application/json'))],
    ['a payload that is not base64', () => tampered(bundleOf(world, 'bias').bytes, (b) => (b.dsseEnvelope.payload = '%%%'))],
    ['a forged transparency-log entry on a key bundle', () => tampered(bundleOf(world, 'bias').bytes, (b) => (b.verificationMaterial.tlogEntries = [{ logIndex: '1', logId: { keyId: 'AAAA' }, kindVersion: { kind: 'dsse', version: '0.0.1' }, integratedTime: '1', canonicalizedBody: 'e30=', inclusionPromise: { signedEntryTimestamp: 'AAAA' } }]))],
    ['a bundle nested 20,000 levels deep', () => Buffer.from(`{"mediaType":${nested(20_000)}}`)],
    ['a bundle nested 101 levels deep', () => Buffer.from(`{"x":${nested(100)}}`)],
    ['a huge number', () => Buffer.from('{"mediaType": 1e400}')],
    ['escape sequences that would erase a line', () => Buffer.from('\u001b[2K\u001b[1AALLOWED: everything')],
  ];
  for (const [name, make] of junk) {
    it(`rejects ${name} beside the chain without changing the decision`, async () => {
      await stillAllowed({ 'junk.json': await make() }, 1);
    });
    it(`rejects ${name} in place of a gate: still denied, exit 1`, async () => {
      const result = await stillDenied({ 'safety.json': await make() });
      expect(result.json.rejected.length).toBeGreaterThanOrEqual(1);
    });
  }
  const rawSafety = (edit: (text: string) => string) => signRawPayload('safety-gate', edit(JSON.stringify(bundleOf(world, 'safety').statement)));
  it('rejects a predicate nested 20,000 levels deep, signed by the gate key, without crashing', async () => {
    const result = await stillDenied({ 'safety-deep.json': await rawSafety((t) => t.replace('"overRefusal":{', `"deep":${nested(20_000)},"overRefusal":{`)) });
    expect(JSON.stringify(result.json.rejected)).toMatch(/nested more than 100 levels/);
  });
  it('rejects a predicate holding 1e400, signed by the gate key, without crashing', async () => {
    const result = await stillDenied({ 'safety-huge.json': await rawSafety((t) => t.replace('"overRefusal":{', '"overRefusal":{"huge":1e400,')) });
    expect(JSON.stringify(result.json.rejected)).toMatch(/too large for a double/);
  });
  it('rejects a gate statement with a null predicate, signed by the gate key, without crashing', async () => {
    const statement = { ...bundleOf(world, 'safety').statement, predicate: null };
    const result = await stillDenied({ 'safety-null.json': await signRawPayload('safety-gate', JSON.stringify(statement)) });
    expect(JSON.stringify(result.json.rejected)).toMatch(/does not match its schema|not an in-toto v1 statement/);
  });
  it('rejects a regression predicate under the safety predicate type', async () => {
    const swapped = await resigned(world, 'regression', (_p, s) => (s.predicateType = 'https://gatehouse.dev/attestations/safety/v1'), 'safety-gate');
    const result = await stillDenied({ 'safety-swapped.json': swapped });
    expect(JSON.stringify(result.json.rejected)).toMatch(/does not match its schema/);
  });
});

describe('the store cannot hang, crash or flood the decision', () => {
  it('reports a FIFO in the store and does not wait for a writer', async () => {
    const store = storeOf(world);
    execFileSync('mkfifo', [join(store, 'pipe.json')]);
    const subject = join(store, `sha256-${world.subject.slice(7)}`);
    mkdirSync(subject);
    execFileSync('mkfifo', [join(subject, `${'0'.repeat(64)}.sigstore.json`)]);
    const result = await verify(world, store);
    expect(result.code).toBe(0);
    expect(JSON.stringify(result.json.rejected)).toMatch(/not a regular file/);
  });
  it('reports a directory where a stored bundle should be', async () => {
    const store = storeOf(world);
    mkdirSync(join(store, `sha256-${world.subject.slice(7)}`, `${'1'.repeat(64)}.sigstore.json`), { recursive: true });
    const result = await verify(world, store);
    expect(result.code).toBe(0);
    expect(result.json.rejected).toHaveLength(1);
  });
  it('reports a link that leads nowhere', async () => {
    const store = storeOf(world);
    symlinkSync(join(store, 'missing-target'), join(store, 'dangling.json'));
    const result = await verify(world, store);
    expect(result.code).toBe(0);
    expect(JSON.stringify(result.json.rejected)).toMatch(/no such file/);
  });
  it('reports a stored bundle whose name is not its digest', async () => {
    const store = storeOf(world);
    const subject = join(store, `sha256-${world.subject.slice(7)}`);
    mkdirSync(subject);
    writeFileSync(join(subject, `${'2'.repeat(64)}.sigstore.json`), bundleOf(world, 'bias').bytes);
    const result = await verify(world, store);
    expect(JSON.stringify(result.json.rejected)).toMatch(/does not match the file name/);
  });
  it('refuses a bundle larger than the limit before reading it', async () => {
    const store = storeOf(world);
    writeFileSync(join(store, 'huge.json'), '');
    truncateSync(join(store, 'huge.json'), 17 * 1024 * 1024);
    const result = await verify(world, store);
    expect(result.code).toBe(0);
    expect(JSON.stringify(result.json.rejected)).toMatch(/more than the 16777216-byte limit/);
  });
  it('counts 400 re-serialised copies of every gate bundle once each', async () => {
    const extra: Record<string, Buffer> = {};
    for (const bundle of world.chain) {
      for (let i = 1; i <= 400; i++) extra[`${bundle.gate}-copy-${i}.json`] = Buffer.from(JSON.stringify(JSON.parse(bundle.bytes.toString()), null, i % 9) + ' '.repeat(i));
    }
    const result = await verify(world, storeOf(world, { extra }));
    expect(result.code).toBe(0);
    expect(result.json.rejected).toEqual([]);
    for (const gate of Object.values(result.json.gates) as Array<{ attestations: string[] }>) expect(gate.attestations).toHaveLength(1);
  });
  it('counts re-signed copies of one statement by one signer once (the DSSE signature differs each time)', async () => {
    const bundle = bundleOf(world, 'bias');
    const { signWith } = await import('./world.ts');
    const extra: Record<string, Buffer> = {};
    for (let i = 0; i < 20; i++) extra[`bias-again-${i}.json`] = await signWith('bias-gate', bundle.statement);
    const result = await verify(world, storeOf(world, { extra }));
    expect(result.code).toBe(0);
    expect(result.json.gates.bias.attestations).toHaveLength(1);
  });
  it('refuses a flood of more than 100,000 bundles with one line before verifying them all', async () => {
    const { buildPolicyInput } = await import('../../src/decide/input.ts');
    const { InputError } = await import('../../src/error.ts');
    let read = 0;
    async function* flood() {
      for (;;) {
        read++;
        yield { location: `junk-${read}.json`, error: new InputError({ code: 'JSON_INVALID', message: 'junk' }) };
      }
    }
    const decision = buildPolicyInput({ artifact: world.subject, stage: 'staging', deployed: null, evaluationTime: new Date(), policyDigest: '0'.repeat(64), bundles: flood(), verifier: null as never, signers: null as never });
    await expect(decision).rejects.toThrow(/more than 100000 attestation bundles for one artifact/);
    expect(read).toBe(100_001);
  });
});

describe('output cannot be spoofed', () => {
  it('escapes control characters in file names and reasons: no erased lines, no fake ALLOWED line', async () => {
    const name = 'x\u001b[2K\r\u001b[1A\nALLOWED: sha256:fake to staging\u202e.json';
    const store = storeOf(world, { drop: ['safety'], extra: { [name.replace(/\//g, '_')]: Buffer.from('\u001b[2Kjunk') } });
    const result = await cli(['verify', '--subject', world.subject, '--store', store, '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB, '--stage', 'staging', '--deployed', world.deployed]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^DENIED: /);
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(result.stdout.split('\n').filter((line) => line.startsWith('ALLOWED'))).toEqual([]);
    expect(result.stdout).toContain('\\u001b[2K');
  });
  it('escapes control characters in JSON output beyond what JSON itself escapes', async () => {
    const store = storeOf(world, { extra: { 'bidi\u202e\u0085.json': Buffer.from('{}') } });
    const result = await verify(world, store);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/[\u0085\u202e]/);
    // The file is still reported, its name escaped rather than dropped.
    expect(result.stdout).toContain('bidi\\u202e\\u0085.json",');
  });
});

describe('bad input is refused before anything is written', () => {
  it('refuses an Ed25519 policy key with exit 2, saying what it needs', async () => {
    const result = await cli(['verify', '--subject', world.subject, '--store', storeOf(world), '--policy', COMMITTED_BUNDLE, '--policy-key', join(world.dir, '..', 'none.pub'), '--stage', 'staging']);
    expect(result.code).toBe(2);
    const ed = join(world.dir, 'ed25519.pub');
    const { generateKeyPair } = await import('../../src/keys/keys.ts');
    writeFileSync(ed, generateKeyPair('ed25519').publicKeyPEM);
    const refused = await cli(['verify', '--subject', world.subject, '--store', storeOf(world), '--policy', COMMITTED_BUNDLE, '--policy-key', ed, '--stage', 'staging']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/ed25519\.pub: policy bundles are signed with ES256, which needs an ECDSA P-256 key; this is an ed25519 key/);
  });
  it('refuses a decision key the policy does not list in decision_signers, leaving an existing record untouched', async () => {
    const record = join(world.dir, 'record.json');
    writeFileSync(record, 'previous record');
    const result = await verify(world, storeOf(world), ['--decision-out', record, '--signing-key', join(DEMO_KEYS, 'bias-gate.key')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not one of the policy's decision_signers/);
    expect(readFileSync(record, 'utf8')).toBe('previous record');
  });
  const badFlags: Array<[string, string[]]> = [
    ['an evaluation time that is not RFC 3339', ['--at', 'yesterday']],
    ['a leap-second evaluation time', ['--at', '2026-12-31T23:59:60Z']],
    ['a deployed digest that is not one', ['--deployed', 'sha256:xyz']],
  ];
  for (const [name, flags] of badFlags) {
    it(`refuses ${name} with exit 2`, async () => {
      const result = await cli(['verify', '--subject', world.subject, '--store', storeOf(world), '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB, '--stage', 'staging', ...flags]);
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')).toHaveLength(1);
    });
  }
  it('refuses an attestation directory that is a file', async () => {
    const file = join(world.dir, 'not-a-dir');
    writeFileSync(file, '');
    const result = await cli(['verify', '--subject', world.subject, '--store', file, '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB, '--stage', 'staging']);
    expect(result.code).toBe(2);
  });
  it('refuses a missing attestation directory', async () => {
    const result = await cli(['verify', '--subject', world.subject, '--store', join(world.dir, 'nope'), '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB, '--stage', 'staging']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no such attestation store/);
  });
  it('denies an unknown stage', async () => {
    const result = await verify(world, storeOf(world), [], 'prod');
    expect(result.code).toBe(1);
    expect(codes(result)).toContain('unknown_stage');
  });
  it('keeps a signed-but-edited payload out whatever it claims', async () => {
    const edited = withPayload(bundleOf(world, 'integrity').bytes, (s) => (s.predicate.expected.source = 'edited'));
    const result = await stillDenied({ 'integrity-edited.json': edited });
    expect(JSON.stringify(result.json.rejected)).toMatch(/signature/);
  });
});
