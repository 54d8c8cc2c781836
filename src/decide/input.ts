import { APPROVAL_REQUEST_TYPE, deepReviewDraw, reviewItems, workflowStatements, type ApprovalRequestPredicate } from '../approval/statements.ts';
import { canonicalJSON, canonicalize, freezeCanonical } from '../canonical/json.ts';
import { gateRegistry } from '../gates/registry.ts';
import { compareCodeUnits } from '../canonical/compare.ts';
import { subjectDigests } from '../attest/statement.ts';
import { sha256Hex, sha256HexOfRead } from '../digest/sha256.ts';
import { InputError } from '../error.ts';
import { parseJSON } from '../io/read.ts';
import type { PolicySigners } from '../policy/data.ts';
import type { StoredBundle, UnreadableBundle } from '../store/store.ts';
import type { SubjectInventory } from '../store/inventory.ts';
import { instantOf, toRFC3339 } from '../time.ts';
import { VerificationError } from '../verify/error.ts';
import { signerName, type SignerIdentity } from '../verify/identity.ts';
import type { AttestationVerifier, VerifiedAttestation } from '../verify/verifier.ts';
import { basename } from 'node:path';

/** A signer as the policy sees it: its canonical name and the policy signer ids it matches. */
export interface PolicySigner {
  name: string;
  ids: string[];
}

/** A bundle as the policy sees it: verified evidence with its signer, or rejected with the reason. */
export type AttestationRecord =
  | {
      /** `sha256:<hex>` of the bundle's bytes. */
      id: string;
      verified: true;
      signer: PolicySigner;
      predicate_type: string;
      subjects: string[];
      /** evaluatedAt of a gatehouse predicate, in milliseconds since the epoch; null for other predicates. */
      evaluated_at_ms: number | null;
      /** The earliest time a verified witness (RFC 3161 timestamp, Rekor entry) says the signature existed by; null without one. */
      signed_at_ms: number | null;
      /** The bootstrap seed the predicate must record, re-derived from what it judged; null for gates without one. */
      expected_seed: number | null;
      /** For provenance predicates: who signed the model, as far as the gate proved it; null when nobody did. */
      author?: PolicySigner | null;
      /** Every bundle digest of this signed statement when the store holds re-serialised copies of it (the id is the smallest); absent when it holds one. */
      aliases?: string[];
      /** For predicates that record other signed evidence (data-provenance): its signers as policy signers, by that evidence's bundle digest; null where it names none. */
      named_signers?: Record<string, PolicySigner | null>;
      /** For predicates with times the policy judges (a red-team engagement's start and end), each in milliseconds since the epoch. */
      times_ms?: Record<string, number>;
      /** For predicates judged over a window of time (canary): its bounds, in milliseconds since the epoch. */
      window_ms?: { start: number; end: number };
      /** For approval requests: the deep-review draw and item ranking re-derived from the nonce. */
      expected_draw?: { draw: number; scale: number; ranking: string[] };
      predicate: Record<string, unknown>;
    }
  | {
      /** `sha256:<hex>` of the bundle's bytes, or `unreadable:<file name>` when it could not be read. */
      id: string;
      verified: false;
      reason: string;
      /** The predicate type the unverified payload claims: for reporting which gate it was meant for, never evidence. */
      claimed_predicate_type: string | null;
    };

/** The document Rego decides on. TypeScript did all the cryptography that produced it. */
export interface PolicyInput {
  artifact: string;
  stage: string;
  deployed: string | null;
  /** The deciding policy bundle: gate attestations must have been judged under it (or a revision its data accepts). */
  policy: { digest: string };
  evaluation_time: string;
  evaluation_time_ms: number;
  attestations: AttestationRecord[];
  /**
   * Whether the evidence was read from an inventory that accounts for it: the
   * store's inventory lists every bundle read, intact, and every bundle it
   * lists about the artifact was read, at a head on its chain. False when the
   * store keeps no inventory or none was asked for.
   */
  inventory: { verified: boolean };
}

export interface PolicyInputOptions {
  artifact: string;
  stage: string;
  deployed: string | null;
  evaluationTime: Date;
  /** sha256 (hex) of the deciding policy bundle. */
  policyDigest: string;
  bundles: Iterable<StoredBundle | UnreadableBundle> | AsyncIterable<StoredBundle | UnreadableBundle>;
  verifier: AttestationVerifier;
  signers: PolicySigners;
  /** What the store's inventory lists about the artifact, asked once every bundle was read; absent: no inventory. */
  inventory?: () => Promise<SubjectInventory | null>;
  /**
   * Verification outcomes kept across decisions, by what was verified (the
   * bundle's canonical content): only for one verifier, whose trust is fixed.
   * Absent: each decision verifies afresh.
   */
  verified?: Map<string, VerificationOutcome>;
  /**
   * What each bundle made of, kept across decisions by the sha256 of its exact
   * bytes (hashed here, whatever the store says): only for one verifier and
   * one set of policy signers, as `verified`. Absent: each decision makes them
   * afresh. A bundle's record depends on nothing else a request carries.
   */
  records?: Map<string, BundleRecord>;
}

/** What verifying one bundle gave: the verified attestation, or why it is evidence of nothing. */
export type VerificationOutcome = VerifiedAttestation | VerificationError | InputError;

/**
 * How many bundles one decision reads at most. Far beyond any real chain (a
 * handful per gate); past it the store is being flooded and the decision is
 * refused rather than left to run for minutes.
 */
export const MAX_BUNDLES_PER_DECISION = 100_000;

/**
 * Turns bundles into the policy input, one bundle at a time (only what the
 * policy needs of each is kept, never the bytes): each is verified against the
 * policy's signers and, when it is a gatehouse predicate, checked against its
 * schema and placed in time; what fails goes in as rejected with its reason.
 * Copies are counted once: the same bytes under two names, and re-serialised
 * copies of one signed statement by one signer, whose record is the copy with
 * the smallest bundle digest. Records are sorted by id, so the same evidence
 * always makes the same input wherever and however often it is stored.
 * Beside the input: where each record's bundle was found, for people.
 */
export async function buildPolicyInput(options: PolicyInputOptions): Promise<{ input: PolicyInput; locations: Map<string, string>; inventory: SubjectInventory | null }> {
  const byId = new Map<string, AttestationRecord>();
  // One record per signed statement and signer: the key is the payload digest and signer name.
  const byStatement = new Map<string, string>();
  // Every bundle digest of each signed statement and signer, the kept copy's included.
  const aliases = new Map<string, Set<string>>();
  const verifiedByContent = options.verified ?? new Map<string, VerificationOutcome>();
  const locations = new Map<string, string>();
  let count = 0;
  // What was read, for comparing with the inventory: bundle digests, and whether anything could not be read.
  const read = new Set<string>();
  let unreadable = false;
  for await (const bundle of options.bundles) {
    if (++count > MAX_BUNDLES_PER_DECISION) {
      throw new InputError({ code: 'USAGE', message: `more than ${MAX_BUNDLES_PER_DECISION} attestation bundles for one artifact; refusing to decide on a flooded store` });
    }
    if ('error' in bundle) unreadable = true;
    else read.add(bundle.bundleDigest);
    // The same bytes under another name are already in: nothing to parse or verify again.
    if ('bundleDigest' in bundle && byId.has(`sha256:${bundle.bundleDigest}`)) continue;
    const { record, statementKey } = recordOf(bundle, options, verifiedByContent);
    if (!locations.has(record.id)) locations.set(record.id, bundle.location);
    if (byId.has(record.id)) continue;
    if (statementKey !== undefined) {
      const copies = aliases.get(statementKey) ?? new Set<string>();
      copies.add(record.id);
      aliases.set(statementKey, copies);
      const kept = byStatement.get(statementKey);
      if (kept !== undefined && kept < record.id) continue;
      if (kept !== undefined) byId.delete(kept);
      byStatement.set(statementKey, record.id);
    }
    byId.set(record.id, record);
  }
  // A statement stored more than once (re-serialised copies) is named by any of its bundle digests,
  // as an approval request's packet or an approval may name it: the record lists them all.
  for (const [key, copies] of aliases) {
    const record = byId.get(byStatement.get(key)!);
    // A copy: records may be kept across decisions, and are never changed.
    if (copies.size > 1 && record?.verified === true) byId.set(record.id, { ...record, aliases: [...copies].sort(compareCodeUnits) });
  }
  const inventory = (await options.inventory?.()) ?? null;
  const input: PolicyInput = {
    artifact: options.artifact,
    stage: options.stage,
    deployed: options.deployed,
    policy: { digest: `sha256:${options.policyDigest}` },
    evaluation_time: toRFC3339(options.evaluationTime),
    evaluation_time_ms: options.evaluationTime.getTime(),
    attestations: [...byId.values()].sort((a, b) => compareCodeUnits(a.id, b.id)),
    inventory: { verified: inventory !== null && inventoryAccountsFor(inventory, read, unreadable) },
  };
  return { input, locations, inventory };
}

// The inventory accounts for what was read: its head is on the chain, nothing read was unreadable
// (rewritten bytes read as unreadable), and what it lists about the artifact is exactly what was read.
function inventoryAccountsFor(inventory: SubjectInventory, read: ReadonlySet<string>, unreadable: boolean): boolean {
  if (!inventory.onChain || unreadable) return false;
  const listed = new Set(inventory.bundles);
  return listed.size === read.size && [...read].every((digest) => listed.has(digest));
}

/** sha256 (hex) of the input's canonical JSON (`canonical`, when already made): what a decision record pins. */
export function inputDigest(input: PolicyInput, canonical: string = canonicalize(input)): string {
  return sha256Hex(canonical);
}

/**
 * What one bundle contributes: its record and, when verified, the key under
 * which copies of the same signed statement by the same signer are one.
 */
export interface BundleRecord {
  readonly record: AttestationRecord;
  readonly statementKey?: string;
}

// A bundle's record, kept from an earlier decision when its exact bytes were seen (unreadable ones are never kept).
function recordOf(bundle: StoredBundle | UnreadableBundle, options: PolicyInputOptions, verifiedByContent: Map<string, VerificationOutcome>): BundleRecord {
  if (options.records === undefined || 'error' in bundle) return toRecord(bundle, options, verifiedByContent);
  const key = sha256HexOfRead(bundle.bytes);
  let made = options.records.get(key);
  if (made === undefined || made.record.id !== `sha256:${bundle.bundleDigest}`) {
    made = toRecord(bundle, options, verifiedByContent);
    if (made.record.id === `sha256:${key}`) options.records.set(key, { ...made, record: freezeCanonical(made.record) });
  }
  return made;
}

// Verification errors name this source; it is stripped from reasons, which
// therefore do not depend on which copy of a bundle was verified first.
const SOURCE = 'bundle';

function toRecord(
  bundle: StoredBundle | UnreadableBundle,
  options: PolicyInputOptions,
  verifiedByContent: Map<string, VerificationOutcome>,
): BundleRecord {
  if ('error' in bundle) {
    return { record: { id: `unreadable:${locationName(bundle.location)}`, verified: false, reason: bundle.error.message, claimed_predicate_type: null } };
  }
  const id = `sha256:${bundle.bundleDigest}`;
  let json: unknown;
  const reject = (reason: string): BundleRecord => ({ record: { id, verified: false, reason, claimed_predicate_type: claimedType(json) } });
  try {
    json = parseJSON(bundle.bytes, SOURCE);
  } catch (error) {
    if (error instanceof InputError) return reject(error.message);
    throw error;
  }
  // Re-serialised copies of one bundle verify once: they share what is
  // verified (media type, verification material, envelope) in canonical form.
  const content = contentKey(json);
  let verified = content === undefined ? undefined : verifiedByContent.get(content);
  if (verified === undefined) {
    try {
      verified = options.verifier.verifyJSON(json, SOURCE);
    } catch (error) {
      if (!(error instanceof VerificationError || error instanceof InputError)) throw error;
      verified = error;
    }
    if (content !== undefined) verifiedByContent.set(content, verified);
  }
  if (verified instanceof Error) return reject(stripSource(verified.message));
  const { statement } = verified;
  const predicate = (statement.predicate ?? {}) as Record<string, unknown>;
  const gate = gateRegistry.byPredicateType(statement.predicateType);
  const workflow = workflowStatements.get(statement.predicateType);
  const validator = gate?.predicateValidator ?? workflow?.validator;
  const problem = validator?.problem(predicate);
  if (problem !== undefined) return reject(`signed predicate does not match its schema: ${problem}`);
  let evaluatedAt: number | null = null;
  if (validator !== undefined) {
    const field = workflow?.timeField ?? 'evaluatedAt';
    evaluatedAt = instantOf(predicate[field] as string);
    if (evaluatedAt === null) return reject(`${field} ${JSON.stringify(predicate[field])} cannot be placed in time`);
  }
  const subject = statement.subject[0]?.digest.sha256;
  const signedAt = verified.timestamps.length === 0 ? null : Math.min(...verified.timestamps.map((t) => t.getTime()));
  const record: Extract<AttestationRecord, { verified: true }> = {
    id,
    verified: true,
    signer: policySigner(verified.signer, options.signers, verified.certificate),
    predicate_type: statement.predicateType,
    subjects: subjectDigests(statement.subject),
    evaluated_at_ms: evaluatedAt,
    signed_at_ms: signedAt,
    expected_seed: gate?.expectedSeed === undefined || subject === undefined ? null : gate.expectedSeed(`sha256:${subject}`, predicate),
    predicate,
  };
  const window = predicate['window'] as { start?: unknown; end?: unknown } | undefined;
  if (validator !== undefined && window !== undefined) {
    const [start, end] = [instantOf(window.start as string), instantOf(window.end as string)];
    if (start === null || end === null || end < start) return reject(`window ${JSON.stringify(window)} cannot be placed in time`);
    record.window_ms = { start, end };
  }
  if (validator !== undefined && gate?.times !== undefined) {
    const times: Record<string, number> = {};
    for (const [name, text] of Object.entries(gate.times(predicate))) {
      const ms = instantOf(text);
      if (ms === null) return reject(`${name} ${JSON.stringify(text)} cannot be placed in time`);
      times[name] = ms;
    }
    record.times_ms = times;
  }
  if (validator !== undefined && gate?.namedSigners !== undefined) {
    record.named_signers = Object.fromEntries(Object.entries(gate.namedSigners(predicate)).map(([digest, signer]) => [digest, signer === null ? null : policySigner(signer, options.signers)]));
  }
  if (statement.predicateType === APPROVAL_REQUEST_TYPE) {
    const request = predicate as unknown as ApprovalRequestPredicate;
    record.expected_draw = deepReviewDraw(request.nonce, reviewItems(request));
  }
  if (validator !== undefined && predicate['gate'] === 'provenance') {
    const signer = (predicate['modelSignature'] as { signer?: SignerIdentity | null } | undefined)?.signer ?? null;
    record.author = signer === null ? null : policySigner(signer, options.signers);
  }
  return { record, statementKey: `${verified.payloadDigest}|${record.signer.name}` };
}

// A model author (named in a provenance predicate) comes without its certificate: it matches
// only policy signers that need no extensions.
function policySigner(identity: SignerIdentity, signers: PolicySigners, certificate?: VerifiedAttestation['certificate']): PolicySigner {
  return { name: signerName(identity), ids: signers.idsFor(identity, certificate) };
}

// The digest of what verification reads of a parsed bundle, or undefined for
// something that is no DSSE bundle (it fails verification at once anyway).
function contentKey(json: unknown): string | undefined {
  if (json === null || typeof json !== 'object' || !('dsseEnvelope' in json)) return undefined;
  const { mediaType, verificationMaterial, dsseEnvelope } = json as Record<string, unknown>;
  return sha256Hex(canonicalJSON({ mediaType, verificationMaterial, dsseEnvelope }));
}

// Reads the predicate type an unverified bundle claims, for reporting only.
function claimedType(json: unknown): string | null {
  const payload = (json as { dsseEnvelope?: { payload?: unknown } } | null | undefined)?.dsseEnvelope?.payload;
  if (typeof payload !== 'string') return null;
  try {
    const statement = parseJSON(Buffer.from(payload, 'base64'), SOURCE) as { predicateType?: unknown } | null;
    return typeof statement?.predicateType === 'string' ? statement.predicateType : null;
  } catch {
    return null;
  }
}

function stripSource(message: string): string {
  return message.startsWith(`${SOURCE}: `) ? message.slice(SOURCE.length + 2) : message;
}

/** The name a decision records for an entry it could not read: its last path segment, so records do not depend on where an auditor keeps files. */
export function locationName(location: string): string {
  return basename(location);
}
