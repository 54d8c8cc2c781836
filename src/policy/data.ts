import type { TrustedRoot } from '@sigstore/protobuf-specs';
import schema from './schemas/policy-data.schema.json' with { type: 'json' };
import { createPublicKey } from 'node:crypto';
import { canonicalize } from '../canonical/json.ts';
import { InputError, describeThrown } from '../error.ts';
import { gateRegistry, type GateRegistry } from '../gates/registry.ts';
import { compileSchema, type SchemaValidator } from '../schema/validator.ts';
import { toTrustedKey, type TrustedKey, type TrustPolicy } from '../verify/trust.ts';
import type { SignerIdentity } from '../verify/identity.ts';
import { sha256Hex } from '../digest/sha256.ts';

/** data.gatehouse of a policy bundle. */
export interface PolicyData {
  stages: Record<string, { required_gates: string[]; approvals?: number; allowed_verdicts?: Record<string, string[]>; require_inventory?: boolean }>;
  gates: Record<string, { predicate_type: string; signers: string[]; max_age_seconds?: number; policy_bound?: boolean; dataset_field?: string; compares_with_deployed?: boolean; follows_approval?: boolean }>;
  signers: Record<string, { kind: 'key'; public_key: string } | { kind: 'keyless'; issuer: string; subject: string }>;
  decision_signers?: string[];
  /** Who may sign models: the provenance gate trusts exactly these, and the policy checks them. */
  model_signers?: string[];
  /** Digests of earlier policy bundles whose gate attestations this policy accepts. */
  accepted_policies?: string[];
  trusted_root?: Record<string, unknown>;
  thresholds?: Record<string, unknown>;
  datasets?: Record<string, string>;
  approval?: ApprovalPolicy;
}

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

const BUILT_IN_THRESHOLDS = 'regression,safety,bias,canary';

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

/** The signers a policy names, ready to verify with and to map identities back to ids. */
export interface PolicySigners {
  trust: TrustPolicy;
  /** Signer ids whose entry matches a verified identity. */
  idsFor(identity: SignerIdentity): string[];
  /** Trust limited to the given signer ids (for decision records). */
  restrictedTo(ids: readonly string[]): TrustPolicy;
  /** Whether records signed by this identity replay under this policy (it is one of decision_signers). */
  mayRecordDecisions(identity: SignerIdentity): boolean;
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
  return gatehouse;
}

/** Builds trust material from the policy's signers. */
export async function policySigners(data: PolicyData, source: string): Promise<PolicySigners> {
  const keys = new Map<string, TrustedKey>();
  const keyless = new Map<string, { issuer: string; subject: string }>();
  for (const [id, signer] of Object.entries(data.signers)) {
    if (signer.kind === 'key') {
      try {
        keys.set(id, toTrustedKey(createPublicKey(signer.public_key)));
      } catch (cause) {
        throw new InputError({ code: 'KEY_INVALID', message: `signer ${id}: ${describeThrown(cause)}`, path: `${source}:data.json`, cause });
      }
    } else {
      keyless.set(id, { issuer: signer.issuer, subject: signer.subject });
    }
  }
  let trustedRoot: TrustedRoot | undefined;
  if (keyless.size > 0) {
    if (data.trusted_root === undefined) {
      throw new InputError({ code: 'SCHEMA_INVALID', message: 'keyless signers need data.gatehouse.trusted_root', path: `${source}:data.json` });
    }
    const { TrustedRoot: Root } = await import('@sigstore/protobuf-specs');
    trustedRoot = Root.fromJSON(data.trusted_root);
  }
  const build = (ids: readonly string[] | undefined): TrustPolicy => {
    const pick = <T>(map: Map<string, T>) => [...map].filter(([id]) => ids === undefined || ids.includes(id)).map(([, v]) => v);
    const identities = pick(keyless);
    const policy: TrustPolicy = { keys: dedupe(pick(keys)) };
    if (trustedRoot !== undefined && identities.length > 0) policy.keyless = { trustedRoot, identities };
    return policy;
  };
  const idsFor = (identity: SignerIdentity): string[] => {
    const ids: string[] = [];
    for (const [id, key] of keys) if (identity.kind === 'key' && key.fingerprint === identity.keyId) ids.push(id);
    for (const [id, who] of keyless) {
      if (identity.kind === 'keyless' && who.issuer === identity.issuer && who.subject === identity.subject) ids.push(id);
    }
    return ids.sort();
  };
  return {
    trust: build(undefined),
    restrictedTo: (ids) => build(ids),
    idsFor,
    mayRecordDecisions: (identity) => idsFor(identity).some((id) => (data.decision_signers ?? []).includes(id)),
  };
}

// One key listed under two ids is one trusted key.
function dedupe(keys: TrustedKey[]): TrustedKey[] {
  const seen = new Map<string, TrustedKey>();
  for (const key of keys) seen.set(key.fingerprint, key);
  return [...seen.values()];
}
