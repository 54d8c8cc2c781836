import { createHash } from 'node:crypto';
import { canonicalJSON } from '../canonical/json.ts';
import { predicateValidatorFor } from '../attest/predicate-schemas.ts';
import { subjectDigests } from '../attest/statement.ts';
import { InputError } from '../error.ts';
import type { PolicySigners } from '../policy/data.ts';
import type { StoredBundle, UnreadableBundle } from '../store/store.ts';
import { VerificationError } from '../verify/error.ts';
import { signerName } from '../verify/identity.ts';
import type { AttestationVerifier } from '../verify/verifier.ts';
import { toRFC3339 } from '../time.ts';
import { expectedSeed } from '../gates/seed.ts';
import { locationName } from './attestations.ts';

/** A bundle as the policy sees it: verified evidence with its signer, or rejected with the reason. */
export type AttestationRecord =
  | {
      id: string;
      location: string;
      verified: true;
      signer: { name: string; ids: string[] };
      predicate_type: string;
      subjects: string[];
      /** evaluatedAt of a gatehouse predicate, in whole seconds since the epoch; null for other predicates. */
      evaluated_at_s: number | null;
      /** The bootstrap seed the predicate must record, re-derived from what it judged; null for gates without one. */
      expected_seed: number | null;
      predicate: Record<string, unknown>;
    }
  | {
      id: string;
      location: string;
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
  evaluation_time: string;
  evaluation_time_s: number;
  attestations: AttestationRecord[];
}

export interface PolicyInputOptions {
  artifact: string;
  stage: string;
  deployed: string | null;
  evaluationTime: Date;
  bundles: ReadonlyArray<StoredBundle | UnreadableBundle>;
  verifier: AttestationVerifier;
  signers: PolicySigners;
}

/**
 * Turns bundles into the policy input: each is verified against the policy's
 * signers and, when it is a gatehouse predicate, checked against its schema;
 * what fails either check goes in as rejected with its reason. Records are
 * sorted by bundle digest so the same bundles always make the same input.
 */
export function buildPolicyInput(options: PolicyInputOptions): PolicyInput {
  const attestations = options.bundles.map((bundle) => toRecord(bundle, options)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    artifact: options.artifact,
    stage: options.stage,
    deployed: options.deployed,
    evaluation_time: toRFC3339(options.evaluationTime),
    evaluation_time_s: Math.floor(options.evaluationTime.getTime() / 1000),
    attestations,
  };
}

/** sha256 (hex) of the input's canonical JSON: what a decision record pins. */
export function inputDigest(input: PolicyInput): string {
  return createHash('sha256').update(canonicalJSON(input)).digest('hex');
}

function toRecord(bundle: StoredBundle | UnreadableBundle, options: PolicyInputOptions): AttestationRecord {
  const location = locationName(bundle.location);
  if ('error' in bundle) {
    return { id: `unreadable:${location}`, location, verified: false, reason: bundle.error.message, claimed_predicate_type: null };
  }
  const id = `sha256:${bundle.bundleDigest}`;
  const reject = (reason: string): AttestationRecord => ({ id, location, verified: false, reason, claimed_predicate_type: claimedType(bundle.bytes) });
  let verified;
  try {
    verified = options.verifier.verifyBytes(bundle.bytes, location);
  } catch (error) {
    if (error instanceof VerificationError || error instanceof InputError) return reject(stripSource(error.message, location));
    throw error;
  }
  const { statement } = verified;
  const predicate = (statement.predicate ?? {}) as Record<string, unknown>;
  const validator = predicateValidatorFor(statement.predicateType);
  const problem = validator?.problem(predicate);
  if (problem !== undefined) return reject(`signed predicate does not match its schema: ${problem}`);
  const evaluatedAt = validator === undefined ? null : Math.floor(Date.parse(predicate['evaluatedAt'] as string) / 1000);
  const subject = statement.subject[0]?.digest.sha256;
  return {
    id,
    location,
    verified: true,
    signer: { name: signerName(verified.signer), ids: options.signers.idsFor(verified.signer) },
    predicate_type: statement.predicateType,
    subjects: subjectDigests(statement.subject),
    evaluated_at_s: evaluatedAt,
    expected_seed: validator === undefined || subject === undefined ? null : expectedSeed(String(predicate['gate']), `sha256:${subject}`, predicate),
    predicate,
  };
}

// Reads the predicate type an unverified bundle claims, for reporting only.
function claimedType(bytes: Buffer): string | null {
  try {
    const bundle = JSON.parse(bytes.toString('utf8')) as { dsseEnvelope?: { payload?: unknown } };
    if (typeof bundle.dsseEnvelope?.payload !== 'string') return null;
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as { predicateType?: unknown };
    return typeof statement.predicateType === 'string' ? statement.predicateType : null;
  } catch {
    return null;
  }
}

function stripSource(message: string, location: string): string {
  return message.startsWith(`${location}: `) ? message.slice(location.length + 2) : message;
}
