// The world attacks are made in: the demo's models and its real, legitimately
// signed staging chain for candidate A (every gate run by gatehouse on the
// example data, under the committed policy bundle), and the demo keys an
// insider may hold. Attacks change this world one thing at a time and run the
// real CLI (its main(), with the committed bundle) on the result.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CanaryPredicate } from '../../src/attest/predicates.ts';
import type { Statement } from '../../src/attest/statement.ts';
import { gateRegistry } from '../../src/gates/registry.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { readPrivateKey } from '../../src/keys/keys.ts';
import { signStatement } from '../../src/sign/attest.ts';
import { KeySigner } from '../../src/sign/key/key-signer.ts';
import { main } from '../../cli/index.ts';
import { canaryPredicate, canaryTimes, signedApprovals } from '../support/chain.ts';
import { ROOT } from '../support/paths.ts';
import { RISK_ACCEPTANCE_TYPE } from '../../src/gates/redteam/risk-acceptance.ts';

export const COMMITTED_BUNDLE = join(ROOT, 'bundles', 'gatehouse.tar.gz');
export const DEMO_KEYS = join(ROOT, 'examples', 'keys');
export const POLICY_PUB = join(DEMO_KEYS, 'policy-team.pub');

/** One bundle of the legitimate chain: its gate, signer key name, bytes and the statement it signs. */
export interface ChainBundle {
  gate: string;
  key: string;
  bytes: Buffer;
  statement: Statement<Record<string, any>>;
}

/** What a CLI run printed and returned. */
export interface CLIResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, when it is JSON. */
  json: any;
}

/** The demo's world: models, digests, and candidate A's legitimate staging chain (its automated gates). */
export interface World {
  dir: string;
  /** Candidate A, allowed to staging, and the model deployed now. */
  subject: ArtifactDigest;
  deployed: ArtifactDigest;
  /** Candidate B, denied at staging. */
  other: ArtifactDigest;
  chain: ChainBundle[];
  /** When the demo judged (the chain's evaluatedAt). */
  judgedAt: Date;
  /** The risk owner's signed acceptances of the red team's accepted findings (production needs them). */
  riskAcceptances: Buffer[];
  cleanup(): void;
}

const GATE_KEYS: Record<string, string> = {
  integrity: 'integrity-gate',
  provenance: 'provenance-gate',
  regression: 'regression-gate',
  safety: 'safety-gate',
  bias: 'bias-gate',
  robustness: 'robustness-gate',
  backdoor: 'backdoor-gate',
  'data-provenance': 'data-provenance-gate',
  redteam: 'red-team',
  approval: 'approver-alice',
  canary: 'canary-controller',
};

/** Runs the demo once and reads candidate A's chain back from its store. */
export async function makeWorld(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-attacks-'));
  const { runDemo } = await import('../../src/demo/demo.ts');
  const { readPrivateKey, readPublicKey } = await import('../../src/keys/keys.ts');
  const { readPolicyBundle } = await import('../../src/policy/bundle.ts');
  // Signed with the example keys, so the committed bundle decides on the chain and attacks can re-sign with a gate's own key.
  const policy = await readPolicyBundle(COMMITTED_BUNDLE, await readPublicKey(POLICY_PUB));
  const signerIds = Object.keys((policy.data['gatehouse'] as { signers: Record<string, unknown> }).signers);
  const keys = new Map(await Promise.all(signerIds.map(async (id) => [id, await readPrivateKey(join(DEMO_KEYS, `${id}.key`))] as const)));
  const lines: string[] = [];
  const summary = await runDemo(join(dir, 'demo'), (line) => lines.push(line), { keys, policy });
  if (!summary.complete) throw new Error(`the demo failed:\n${lines.join('\n')}`);
  const demo = join(dir, 'demo');
  // The demo tampers with model A's files at the end; its digest is what it was signed as.
  const digestOf = (name: string) => {
    const line = lines.find((l) => l.trim().startsWith(name));
    const match = /sha256:[0-9a-f]{64}/.exec(line ?? '');
    if (match === null) throw new Error(`no digest for ${name} in the demo output`);
    return match[0] as ArtifactDigest;
  };
  const subject = digestOf('candidate A:');
  const other = digestOf('candidate B:');
  const deployed = digestOf('deployed now:');
  const store = join(demo, 'attestations', `sha256-${subject.slice(7)}`);
  // The automated gates' attestations (the production-only ones included): the demo's approval workflows and canaries are left out.
  const bundles = readdirSync(store).map((name) => readFileSync(join(store, name)));
  const riskAcceptances = bundles.filter((bytes) => statementOf(bytes).predicateType === RISK_ACCEPTANCE_TYPE);
  const chain = bundles
    .map((bytes) => {
      const statement = statementOf(bytes);
      const gate = String(statement.predicate!['gate']);
      return { gate, key: GATE_KEYS[gate]!, bytes, statement };
    })
    .filter((bundle) => bundle.gate !== 'approval' && bundle.gate !== 'canary' && bundle.key !== undefined);
  const judgedAt = new Date(chain[0]!.statement.predicate!['evaluatedAt']);
  return { dir, subject, deployed, other, chain, judgedAt, riskAcceptances, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The statement a bundle's DSSE envelope carries (not verified: for building attacks). */
export function statementOf(bytes: Buffer): Statement<Record<string, any>> {
  const bundle = JSON.parse(bytes.toString('utf8'));
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
}

/** A deep copy of the chain's bundle for `gate`. */
export function bundleOf(world: World, gate: string): ChainBundle {
  const found = world.chain.find((b) => b.gate === gate);
  if (found === undefined) throw new Error(`no ${gate} bundle in the chain`);
  return { ...found, statement: structuredClone(found.statement) };
}

/** The digest (sha256:<hex>) of the policy bundle the chain was judged under, as its regression evidence records it. */
export function policyDigestOf(world: World): string {
  return bundleOf(world, 'regression').statement.predicate!['policy'].digest;
}

/**
 * Candidate A's canary statement as the canary controller makes it: run on
 * live traffic after the production approvals (for half an hour from the
 * chain's judgement, when productionEvidence approves), every figure within
 * the committed policy's canary settings. `change` edits its predicate.
 */
export function canaryStatement(world: World, change: (predicate: CanaryPredicate) => void = () => {}): Statement<Record<string, any>> {
  const predicate = canaryPredicate(world.deployed, canaryTimes(world.judgedAt.toISOString()), policyDigestOf(world).slice(7));
  change(predicate);
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'model-A', digest: { sha256: world.subject.slice(7) } }],
    predicateType: gateRegistry.get('canary')!.predicateType,
    predicate: predicate as unknown as Record<string, any>,
  };
}

/**
 * What production needs beside the staging chain, as files for storeOf's
 * extra: an approval request for production over the staging chain,
 * approved by two ML reviewers and a safety reviewer when the chain was
 * judged (approval-alice.json, …), and then the canary (canary.json).
 */
export async function productionEvidence(world: World): Promise<Record<string, Buffer>> {
  const at = world.judgedAt.toISOString();
  const approvals = await signedApprovals({ subject: world.subject, deployed: world.deployed, at, policy: policyDigestOf(world).slice(7), stage: 'production', gates: world.chain });
  const canary = await signWith('canary-controller', canaryStatement(world));
  const acceptances = Object.fromEntries(world.riskAcceptances.map((bytes, i) => [`risk-acceptance-${i}.json`, bytes]));
  return { 'canary.json': canary, ...acceptances, ...Object.fromEntries(approvals.map((bundle) => [`${bundle.name.replace('approver-', '')}.json`, bundle.bytes])) };
}

/** Signs a statement with a demo key, as an insider holding that key would. */
export async function signWith(key: string, statement: Statement<Record<string, any>>): Promise<Buffer> {
  const signer = new KeySigner(await readPrivateKey(join(DEMO_KEYS, `${key}.key`)));
  return Buffer.from(JSON.stringify(await signStatement(statement as Statement, { signer })));
}

/**
 * A bundle whose DSSE payload is exactly `text`, signed by a demo key: for
 * statements gatehouse itself would refuse to build (too deep, null
 * predicate, numbers JSON tools disagree on).
 */
export async function signRawPayload(key: string, text: string): Promise<Buffer> {
  const template = JSON.parse((await signWith(key, { _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: '0'.repeat(64) } }], predicateType: 'https://example.com/template', predicate: {} })).toString());
  const signer = new KeySigner(await readPrivateKey(join(DEMO_KEYS, `${key}.key`)));
  const payloadType = 'application/vnd.in-toto+json';
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${Buffer.byteLength(text)} `), Buffer.from(text)]);
  template.dsseEnvelope.payload = Buffer.from(text).toString('base64');
  template.dsseEnvelope.signatures[0].sig = (await signer.sign(pae)).signature.toString('base64');
  return Buffer.from(JSON.stringify(template));
}

/** The chain's bundle for `gate` with its predicate changed by `change`, re-signed by `key` (the gate's own key by default). */
export async function resigned(world: World, gate: string, change: (predicate: Record<string, any>, statement: Statement<Record<string, any>>) => void, key?: string): Promise<Buffer> {
  const bundle = bundleOf(world, gate);
  change(bundle.statement.predicate!, bundle.statement);
  return signWith(key ?? bundle.key, bundle.statement);
}

/** A bundle's JSON changed by `change` without re-signing (what someone who can write to the store but holds no key can do). */
export function tampered(bytes: Buffer, change: (bundle: any) => void): Buffer {
  const bundle = JSON.parse(bytes.toString('utf8'));
  change(bundle);
  return Buffer.from(JSON.stringify(bundle));
}

/** A payload change inside a bundle, keeping the original signature. */
export function withPayload(bytes: Buffer, change: (statement: any) => void): Buffer {
  return tampered(bytes, (bundle) => {
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
    change(statement);
    bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
  });
}

/**
 * A directory of bundles for a decision: the legitimate chain without the
 * gates in `drop`, plus `extra` files (name to bytes, or a function that makes
 * the file), laid out as loose files beside the store layout.
 */
export function storeOf(world: World, options: { drop?: string[]; extra?: Record<string, Buffer>; keep?: boolean } = {}): string {
  const dir = mkdtempSync(join(world.dir, 'store-'));
  for (const bundle of world.chain) {
    if (options.drop?.includes(bundle.gate)) continue;
    writeFileSync(join(dir, `${bundle.gate}.json`), bundle.bytes);
  }
  for (const [name, bytes] of Object.entries(options.extra ?? {})) {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, bytes);
  }
  return dir;
}

/** A copy of a store directory. */
export function copyStore(world: World, from: string): string {
  const dir = mkdtempSync(join(world.dir, 'store-'));
  cpSync(from, dir, { recursive: true });
  return dir;
}

/** Runs the CLI in this process (its main(), exactly what the bin runs) and captures what it printed. */
export async function cli(args: string[]): Promise<CLIResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(args, { out: (line) => stdout.push(line), err: (line) => stderr.push(line) });
  const text = stdout.join('\n');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { code, stdout: text, stderr: stderr.join('\n'), json };
}

/** `gatehouse verify` of candidate A with the committed bundle, as JSON. */
export function verify(world: World, store: string, extra: string[] = [], stage = 'staging'): Promise<CLIResult> {
  return cli(['verify', '--subject', world.subject, '--store', store, '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB, '--stage', stage, '--deployed', world.deployed, '--json', ...extra]);
}

/** The violation codes of a decision, sorted and without duplicates. */
export function codes(result: CLIResult): string[] {
  return [...new Set<string>((result.json?.violations ?? []).map((v: { code: string }) => v.code))].sort();
}
