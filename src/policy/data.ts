import type { TrustedRoot } from '@sigstore/protobuf-specs';
import schema from './schemas/policy-data.schema.json' with { type: 'json' };
import { createPublicKey } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { canonicalize } from '../canonical/json.ts';
import { InputError, describeThrown } from '../error.ts';
import { gateRegistry, type GateRegistry } from '../gates/registry.ts';
import { compileSchema, type SchemaValidator } from '../schema/validator.ts';
import { CERTIFICATE_EXTENSIONS, REPOSITORY_EXTENSIONS, identityMatches, narrowPattern, type CertificateExtensionName, type CertificateExtensions, type TrustedIdentity } from '../verify/certificate.ts';
import { TrustRootError } from '../verify/error.ts';
import { toTrustedKey, trustedRootFromJSON, type TrustedKey, type TrustPolicy } from '../verify/trust.ts';
import { PUBLIC_GOOD_TUF_MIRROR } from '../verify/tuf.ts';
import type { SignerIdentity } from '../verify/identity.ts';
import type { VerifiedAttestation } from '../verify/verifier.ts';
import { sha256Hex } from '../digest/sha256.ts';

/** data.gatehouse of a policy bundle. */
export interface PolicyData {
  stages: Record<string, { required_gates: string[]; approvals?: number; allowed_verdicts?: Record<string, string[]>; require_inventory?: boolean }>;
  gates: Record<string, { predicate_type: string; signers: string[]; max_age_seconds?: number; policy_bound?: boolean; dataset_field?: string; compares_with_deployed?: boolean; follows_approval?: boolean }>;
  signers: Record<string, { kind: 'key'; public_key: string } | KeylessSignerData>;
  decision_signers?: string[];
  /** Who may sign models: the provenance gate trusts exactly these, and the policy checks them. */
  model_signers?: string[];
  /** Digests of earlier policy bundles whose gate attestations this policy accepts. */
  accepted_policies?: string[];
  /** The trusted root of keyless signers that name no trust_roots (the form before trust_roots). */
  trusted_root?: Record<string, unknown>;
  /** Named Sigstore trusted roots keyless signers are verified against: embedded, or through a TUF repository. */
  trust_roots?: Record<string, TrustRootData>;
  thresholds?: Record<string, unknown>;
  datasets?: Record<string, string>;
  approval?: ApprovalPolicy;
}

/**
 * A keyless signer in policy data: the issuer exactly or by pattern; the
 * certificate SAN exactly or by pattern, or else a repository extension;
 * extension values required exactly; the trust roots it is verified against
 * (default: trusted_root when the data has one, else public-good).
 */
export interface KeylessSignerData {
  kind: 'keyless';
  issuer?: string;
  issuer_regexp?: string;
  subject?: string;
  subject_regexp?: string;
  /** Exact values by extensionDataKey name (github_workflow_repository, runner_environment, …). */
  extensions?: Record<string, string>;
  trust_roots?: string[];
}

/** A trust root in policy data: a trusted_root.json embedded, or a TUF repository (tuf_root: its initial root, needed but for the public-good one). */
export type TrustRootData = { trusted_root: Record<string, unknown> } | { tuf_mirror: string; tuf_root?: Record<string, unknown> };

/** The trust root every policy may name without defining it: the Sigstore public-good instance through TUF. */
export const PUBLIC_GOOD_TRUST_ROOT = 'public-good';

/** The name the record gives data.gatehouse.trusted_root. */
const LEGACY_TRUST_ROOT = 'trusted_root';

/** Policy data's snake_case name of a certificate extension (githubWorkflowRef: github_workflow_ref, buildSignerURI: build_signer_uri). */
export function extensionDataKey(name: CertificateExtensionName): string {
  return name.replace(/URI$/, 'Uri').replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

// Policy data's names of the certificate extensions, derived from the one list in certificate.ts.
const EXTENSION_KEYS: ReadonlyMap<string, CertificateExtensionName> = new Map(
  (Object.keys(CERTIFICATE_EXTENSIONS) as CertificateExtensionName[]).map((name) => [extensionDataKey(name), name]),
);

/** data.gatehouse.approval: the human approval workflow (see policies/data/approval.yaml). */
export interface ApprovalPolicy {
  requesters: string[];
  roles: Record<string, string[]>;
  tiers: Record<'low' | 'medium' | 'high', { approvals: number; roles: Record<string, number>; review_seconds: number }>;
  risk: { model_bytes: { medium: number; high: number }; traffic_share: { medium: number; high: number } };
  stages?: Record<string, { traffic_share?: number; reversible?: boolean; sensitive_use?: boolean }>;
  escalation_roles: string[];
  deep_review?: { rate: number; items: number };
  min_review_seconds?: number;
  break_glass?: { roles: string[]; max_age_seconds?: number };
}

/**
 * The complete policy data schema: the fixed part, with each registered
 * gate's thresholds schema under thresholds.<gate>. Thresholds for a gate the
 * registry does not know are refused (nothing would ever judge them), unless
 * `unknownThresholds` is 'allow': how a decision reads a bundle already
 * signed, whose own Rego may judge a gate of its own.
 */
export function policyDataSchema(registry: GateRegistry = gateRegistry, options: { unknownThresholds?: 'refuse' | 'allow' } = {}): { $id: string } & Record<string, unknown> {
  const open = options.unknownThresholds === 'allow';
  const gates = registry.all().filter((gate) => gate.thresholdsSchema !== undefined);
  const names = gates.map((gate) => gate.name);
  const thresholds = Object.fromEntries(gates.map((gate) => [gate.name, withoutId(gate.thresholdsSchema!)]));
  // Built-in gates give the published $id; a registry with other gates gets its own, so both compile.
  const builtIn = names.join(',') === BUILT_IN_THRESHOLDS;
  const query = [...(builtIn ? [] : [`gates=${sha256Hex(names.join(',')).slice(0, 16)}`]), ...(open ? ['thresholds=open'] : [])];
  return {
    ...schema,
    $id: query.length === 0 ? schema.$id : `${schema.$id}?${query.join('&')}`,
    properties: { ...schema.properties, thresholds: { type: 'object', properties: thresholds, additionalProperties: open } },
  };
}

const BUILT_IN_THRESHOLDS = 'regression,safety,bias,robustness,backdoor,data-provenance,redteam,canary';

let compiled: { names: string; validator: SchemaValidator<PolicyData> } | undefined;

/**
 * A validator of signed policy data for the gates registered now: every
 * registered gate's thresholds checked, others left to the bundle's own Rego
 * (the build refuses thresholds no registered gate reads before signing).
 */
export function policyDataValidator(): SchemaValidator<PolicyData> {
  const names = gateRegistry.all().map((gate) => gate.name).join(',');
  if (compiled?.names !== names) compiled = { names, validator: compileSchema<PolicyData>(policyDataSchema(gateRegistry, { unknownThresholds: 'allow' })) };
  return compiled.validator;
}

function withoutId(schema: Record<string, unknown>): Record<string, unknown> {
  const { $id: _, ...rest } = schema;
  return rest;
}

/**
 * Policy data's gates with the facts the registry knows about each
 * (predicate type, policy binding, pinned dataset field, comparison with the
 * deployed model) filled in, as a built bundle carries them for the Rego. A
 * fact the data states must agree with the registry; a gate the registry
 * does not know keeps what the data says.
 */
export function withGateFacts(gates: unknown, path: string, registry: GateRegistry = gateRegistry): unknown {
  if (gates === null || typeof gates !== 'object' || Array.isArray(gates)) return gates;
  const facts = registry.facts();
  return Object.fromEntries(
    Object.entries(gates as Record<string, unknown>).map(([name, config]) => {
      const known = facts[name];
      if (known === undefined || config === null || typeof config !== 'object' || Array.isArray(config)) return [name, config];
      for (const [key, value] of Object.entries(known)) {
        const stated = (config as Record<string, unknown>)[key];
        if (stated !== undefined && canonicalize(stated) !== canonicalize(value)) {
          throw new InputError({ code: 'SCHEMA_INVALID', message: `gates.${name}.${key} is ${canonicalize(stated)}, but gatehouse's ${name} gate has ${canonicalize(value)} (leave it out: the build fills it in)`, path });
        }
      }
      return [name, { ...config, ...known }];
    }),
  );
}

// The facts a built bundle carries for each gate, which only gatehouse's registry sets.
const FACT_KEYS = ['predicate_type', 'policy_bound', 'dataset_field', 'compares_with_deployed', 'follows_approval'] as const;

/**
 * What data may say about gates the registry knows: a registered predicate
 * type only under its own gate's name (so its evidence is never judged by
 * another gate's, laxer, facts), and, for data that carries the facts (a
 * bundle gatehouse built), exactly the registry's. Data without them comes
 * from a bundle built before the facts existed, whose own Rego does not read
 * them; newer Rego denies a required gate whose facts are missing.
 */
function checkGateFacts(gates: PolicyData['gates'], path: string, registry: GateRegistry = gateRegistry): void {
  const facts = registry.facts();
  for (const [name, config] of Object.entries(gates)) {
    const owner = registry.byPredicateType(config.predicate_type);
    if (owner !== undefined && owner.name !== name) {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `gates.${name} has the predicate type of gatehouse's ${owner.name} gate (${config.predicate_type}); name it ${owner.name}`, path });
    }
    const known = facts[name];
    if (known === undefined || config.compares_with_deployed === undefined) continue;
    for (const key of FACT_KEYS) {
      const stated = config[key];
      const expected = known[key];
      if (canonicalize(stated ?? null) !== canonicalize(expected ?? null)) {
        throw new InputError({ code: 'SCHEMA_INVALID', message: `gates.${name}.${key} is ${stated === undefined ? 'unset' : canonicalize(stated)}, but gatehouse's ${name} gate has ${expected === undefined ? 'none' : canonicalize(expected)}`, path });
      }
    }
  }
}

/**
 * Reads data.gatehouse from a bundle's data and checks it against the policy
 * data schema, and what a schema cannot say: each predicate type belongs to
 * one gate (two gates sharing one would make every decision an evaluation
 * error), and every signer a gate, model_signers or decision_signers names is
 * defined.
 */
export function policyDataOf(data: Record<string, unknown>, source: string): PolicyData {
  const gatehouse = data['gatehouse'];
  const path = `${source}:data.json`;
  const validator: SchemaValidator<PolicyData> = policyDataValidator();
  validator.assert(gatehouse, path, 'gatehouse policy data');
  const owner = new Map<string, string>();
  for (const [gate, config] of Object.entries(gatehouse.gates)) {
    const other = owner.get(config.predicate_type);
    if (other !== undefined) throw new InputError({ code: 'SCHEMA_INVALID', message: `gates ${other} and ${gate} share the predicate type ${config.predicate_type}`, path });
    owner.set(config.predicate_type, gate);
  }
  checkGateFacts(gatehouse.gates, path);
  const named: Array<readonly [string, string]> = [
    ...Object.entries(gatehouse.gates).flatMap(([gate, config]) => config.signers.map((id) => [id, `gate ${gate}`] as const)),
    ...(gatehouse.model_signers ?? []).map((id) => [id, 'model_signers'] as const),
    ...(gatehouse.decision_signers ?? []).map((id) => [id, 'decision_signers'] as const),
  ];
  const approval = gatehouse.approval;
  if (approval !== undefined) {
    named.push(...approval.requesters.map((id) => [id, 'approval.requesters'] as const));
    named.push(...Object.entries(approval.roles).flatMap(([role, ids]) => ids.map((id) => [id, `approval role ${role}`] as const)));
    const roleUses = [
      ...Object.entries(approval.tiers).flatMap(([tier, config]) => Object.keys(config.roles).map((role) => [role, `approval.tiers.${tier}`] as const)),
      ...approval.escalation_roles.map((role) => [role, 'approval.escalation_roles'] as const),
      ...(approval.break_glass?.roles ?? []).map((role) => [role, 'approval.break_glass'] as const),
    ];
    const undefinedRole = roleUses.find(([role]) => !Object.hasOwn(approval.roles, role));
    if (undefinedRole !== undefined) throw new InputError({ code: 'SCHEMA_INVALID', message: `${undefinedRole[1]} names role ${undefinedRole[0]}, which approval.roles does not define`, path });
  }
  const undefinedSigner = named.find(([id]) => !Object.hasOwn(gatehouse.signers, id));
  if (undefinedSigner !== undefined) throw new InputError({ code: 'SCHEMA_INVALID', message: `${undefinedSigner[1]} names signer ${undefinedSigner[0]}, which signers does not define`, path });
  for (const [id, signer] of Object.entries(gatehouse.signers)) {
    if (signer.kind !== 'keyless') continue;
    keylessIdentity(id, signer, path);
    for (const name of trustRootsOf(signer, gatehouse)) {
      if (name === LEGACY_TRUST_ROOT ? gatehouse.trusted_root === undefined : name !== PUBLIC_GOOD_TRUST_ROOT && !Object.hasOwn(gatehouse.trust_roots ?? {}, name)) {
        throw new InputError({ code: 'SCHEMA_INVALID', message: `signers.${id} names trust root ${name}, which trust_roots does not define`, path });
      }
    }
  }
  for (const [name, root] of Object.entries(gatehouse.trust_roots ?? {})) {
    if ('tuf_mirror' in root && root.tuf_root === undefined && root.tuf_mirror.replace(/\/+$/, '') !== PUBLIC_GOOD_TUF_MIRROR) {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `trust_roots.${name}: tuf_mirror ${root.tuf_mirror} needs tuf_root (its initial root.json); only ${PUBLIC_GOOD_TUF_MIRROR}'s is embedded`, path });
    }
  }
  return gatehouse;
}

/**
 * A keyless signer as the verifier matches it, refusing one that could match
 * more than one repository's workflows: no issuer or two, two SAN forms, an
 * over-broad pattern (see narrowPattern), or neither a SAN nor a repository
 * extension (a trigger or runner alone names no one).
 */
export function keylessIdentity(id: string, signer: KeylessSignerData, path: string): TrustedIdentity {
  const refuse = (problem: string): never => {
    throw new InputError({ code: 'SCHEMA_INVALID', message: `signers.${id}: ${problem}`, path });
  };
  if ((signer.issuer === undefined) === (signer.issuer_regexp === undefined)) refuse('give exactly one of issuer and issuer_regexp');
  if (signer.subject !== undefined && signer.subject_regexp !== undefined) refuse('give subject or subject_regexp, not both');
  const extensions: CertificateExtensions = {};
  for (const [key, value] of Object.entries(signer.extensions ?? {})) {
    const name = EXTENSION_KEYS.get(key);
    if (name === undefined) refuse(`extensions.${key} is not an extension gatehouse reads (${[...EXTENSION_KEYS.keys()].join(', ')})`);
    extensions[name!] = value;
  }
  if (signer.subject === undefined && signer.subject_regexp === undefined && !REPOSITORY_EXTENSIONS.some((name) => extensions[name] !== undefined)) {
    refuse('name the signer by subject, subject_regexp, or a repository extension (github_workflow_repository or source_repository_uri): issuer and other extensions alone admit every repository');
  }
  const pattern = (value: string, role: 'subject' | 'issuer') => narrowPattern(value, role, { what: `signers.${id}.${role}_regexp`, code: 'SCHEMA_INVALID', path });
  const subject = signer.subject_regexp === undefined ? signer.subject : pattern(signer.subject_regexp, 'subject');
  return {
    issuer: signer.issuer_regexp === undefined ? signer.issuer! : pattern(signer.issuer_regexp, 'issuer'),
    ...(subject === undefined ? {} : { subject }),
    ...(Object.keys(extensions).length === 0 ? {} : { extensions }),
  };
}

// The trust roots a keyless signer is verified against.
function trustRootsOf(signer: KeylessSignerData, data: PolicyData): string[] {
  return signer.trust_roots ?? [data.trusted_root === undefined ? PUBLIC_GOOD_TRUST_ROOT : LEGACY_TRUST_ROOT];
}

/** The signers a policy names, ready to verify with and to map identities back to ids. */
export interface PolicySigners {
  trust: TrustPolicy;
  /**
   * Signer ids whose entry matches a verified identity. A keyless entry that
   * requires certificate extensions or names trust roots matches only when
   * `certificate` (from the verification) shows them.
   */
  idsFor(identity: SignerIdentity, certificate?: VerifiedAttestation['certificate']): string[];
  /** Trust limited to the given signer ids (for decision records). */
  restrictedTo(ids: readonly string[]): TrustPolicy;
  /** Whether records signed by this identity replay under this policy (it is one of decision_signers). */
  mayRecordDecisions(identity: SignerIdentity): boolean;
  /** sha256:<hex> of each trusted root keyless signers are verified against, by trust root name: what a decision record pins. */
  trustedRoots: Record<string, string>;
}

/** Where policySigners takes trusted roots from. */
export interface PolicySignersOptions {
  /** Cache of TUF metadata and fetched roots (default: the user's cache directory). */
  tufCacheDirectory?: string;
  /**
   * Digests a decision record pinned, by trust root name: a replay verifies
   * with exactly those roots (from the cache, or TUF when it still serves the
   * same one) or refuses (TRUSTED_ROOT_UNPINNED).
   */
  pinnedTrustRoots?: Record<string, string>;
}

/** Builds trust material from the policy's signers, taking each trusted root keyless signers name (through TUF where the data says so). */
export async function policySigners(data: PolicyData, source: string, options: PolicySignersOptions = {}): Promise<PolicySigners> {
  const path = `${source}:data.json`;
  const keys = new Map<string, TrustedKey>();
  const keyless = new Map<string, { identity: TrustedIdentity; roots: string[] }>();
  for (const [id, signer] of Object.entries(data.signers)) {
    if (signer.kind === 'key') {
      try {
        keys.set(id, toTrustedKey(createPublicKey(signer.public_key)));
      } catch (cause) {
        throw new InputError({ code: 'KEY_INVALID', message: `signer ${id}: ${describeThrown(cause)}`, path, cause });
      }
    } else {
      keyless.set(id, { identity: keylessIdentity(id, signer, path), roots: trustRootsOf(signer, data) });
    }
  }
  const roots = new Map<string, { trustedRoot: TrustedRoot; digest: string }>();
  for (const name of new Set([...keyless.values()].flatMap((entry) => entry.roots))) roots.set(name, await resolveTrustRoot(name, data, path, options));
  const build = (ids: readonly string[] | undefined): TrustPolicy => {
    const picked = (id: string) => ids === undefined || ids.includes(id);
    const policy: TrustPolicy = { keys: dedupe([...keys].filter(([id]) => picked(id)).map(([, key]) => key)) };
    const byRoot = [...roots].map(([name, root]) => ({
      name,
      trustedRoot: root.trustedRoot,
      identities: [...keyless].filter(([id, entry]) => picked(id) && entry.roots.includes(name)).map(([, entry]) => entry.identity),
    }));
    const used = byRoot.filter((root) => root.identities.length > 0);
    if (used.length > 0) policy.keyless = used;
    return policy;
  };
  const idsFor = (identity: SignerIdentity, certificate?: VerifiedAttestation['certificate']): string[] => {
    const ids: string[] = [];
    for (const [id, key] of keys) if (identity.kind === 'key' && key.fingerprint === identity.keyId) ids.push(id);
    if (identity.kind === 'keyless') {
      const seen = { issuer: identity.issuer, subject: identity.subject, extensions: certificate?.extensions ?? {} };
      for (const [id, entry] of keyless) {
        // Verified under another root than the entry names: another instance's certificate for the same SAN.
        if (certificate?.trustedRoot !== undefined && !entry.roots.includes(certificate.trustedRoot)) continue;
        if (identityMatches(entry.identity, seen)) ids.push(id);
      }
    }
    return ids.sort();
  };
  return {
    trust: build(undefined),
    restrictedTo: (ids) => build(ids),
    idsFor,
    mayRecordDecisions: (identity) => idsFor(identity).some((id) => (data.decision_signers ?? []).includes(id)),
    trustedRoots: Object.fromEntries([...roots].map(([name, root]) => [name, root.digest])),
  };
}

// A trust root by name: embedded roots as the data holds them, the others
// through TUF; a pinned digest is honoured exactly or refused.
async function resolveTrustRoot(name: string, data: PolicyData, path: string, options: PolicySignersOptions): Promise<{ trustedRoot: TrustedRoot; digest: string }> {
  const spec: TrustRootData =
    name === LEGACY_TRUST_ROOT ? { trusted_root: data.trusted_root! } : (data.trust_roots?.[name] ?? { tuf_mirror: PUBLIC_GOOD_TUF_MIRROR });
  const pinned = options.pinnedTrustRoots?.[name];
  const unpinned = (digest: string, where: string) =>
    new TrustRootError({ code: 'TRUSTED_ROOT_UNPINNED', message: `the decision record pins trust root ${name} at ${pinned}, but ${where} ${digest}` });
  if ('trusted_root' in spec) {
    const digest = `sha256:${sha256Hex(canonicalize(spec.trusted_root))}`;
    if (pinned !== undefined && pinned !== digest) throw unpinned(digest, 'the policy embeds');
    const what = name === LEGACY_TRUST_ROOT ? 'trusted_root' : `trust_roots.${name}.trusted_root`;
    return { trustedRoot: trustedRootFromJSON(spec.trusted_root, `${path}: ${what}`), digest };
  }
  const { fetchTUFTrustedRoot, readPinnedTrustedRoot, defaultTUFCacheDirectory } = await import('../verify/tuf.ts');
  const cacheDirectory = options.tufCacheDirectory ?? defaultTUFCacheDirectory();
  if (pinned !== undefined) {
    const kept = await readPinnedTrustedRoot(pinned, spec.tuf_mirror, cacheDirectory);
    if (kept !== undefined) return { trustedRoot: kept, digest: pinned };
  }
  const fetched = await fetchTUFTrustedRoot({
    mirrorURL: spec.tuf_mirror,
    cacheDirectory,
    ...(spec.tuf_root === undefined ? {} : { rootPath: await writeTUFRoot(cacheDirectory, spec.tuf_root) }),
  });
  if (pinned !== undefined && pinned !== fetched.digest) throw unpinned(fetched.digest, `${cacheDirectory} does not hold it and ${spec.tuf_mirror} now serves`);
  return { trustedRoot: fetched.trustedRoot, digest: fetched.digest };
}

// @sigstore/tuf reads an initial root from a file: policy data's is written once, named by content.
async function writeTUFRoot(cacheDirectory: string, root: Record<string, unknown>): Promise<string> {
  const bytes = JSON.stringify(root);
  const path = join(cacheDirectory, 'initial-roots', `${sha256Hex(bytes)}.root.json`);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return path;
}

// One key listed under two ids is one trusted key.
function dedupe(keys: TrustedKey[]): TrustedKey[] {
  const seen = new Map<string, TrustedKey>();
  for (const key of keys) seen.set(key.fingerprint, key);
  return [...seen.values()];
}
