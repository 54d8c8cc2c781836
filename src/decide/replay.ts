import type { InTotoStatement } from '../attest/statement.ts';
import { canonicalize } from '../canonical/json.ts';
import { parseDigest, type ArtifactDigest } from '../digest/artifact.ts';
import { InputError } from '../error.ts';
import type { AttestationStore, StoreEntry } from '../store/store.ts';
import { artifactEvidence } from './bound-evidence.ts';
import { parseRFC3339 } from '../time.ts';
import { VerificationError } from '../verify/error.ts';
import type { TrustPolicy } from '../verify/trust.ts';
import { AttestationVerifier, type VerifiedAttestation } from '../verify/verifier.ts';
import { locationName } from './input.ts';
import type { Decision, DecisionEngine } from './decide.ts';
import { DECISION_PREDICATE_TYPE, decisionRecordValidator, toDecisionStatement, type DecisionRecordPredicate } from './record.ts';

/** A decision record that verified, with who signed it. */
export interface VerifiedDecisionRecord {
  predicate: DecisionRecordPredicate;
  artifact: ArtifactDigest;
  /** The statement as signed (its first subject is the artifact), every field of which a replay compares. */
  statement: InTotoStatement;
  verified: VerifiedAttestation;
}

/** What a replay found: identical, or every difference it saw. */
export interface ReplayOutcome {
  identical: boolean;
  differences: string[];
  record: VerifiedDecisionRecord;
  replayed: Decision;
}

/** Verifies a signed decision record against the trusted decision signers and checks its shape. */
export function verifyDecisionRecord(bytes: Buffer, source: string, trust: TrustPolicy): VerifiedDecisionRecord {
  const verified = new AttestationVerifier(trust).verifyBytes(bytes, source);
  const { statement } = verified;
  if (statement.predicateType !== DECISION_PREDICATE_TYPE) {
    throw new VerificationError({ code: 'STATEMENT_INVALID', message: `${source}: not a decision record (predicate type ${statement.predicateType})` });
  }
  const problem = decisionRecordValidator.problem(statement.predicate);
  if (problem !== undefined) throw new InputError({ code: 'SCHEMA_INVALID', message: `not a valid decision record: ${problem}`, path: source });
  const sha256 = statement.subject[0]?.digest['sha256'];
  if (sha256 === undefined) throw new InputError({ code: 'SCHEMA_INVALID', message: 'a decision record names its artifact by sha256; this one does not', path: source });
  const artifact = parseDigest(`sha256:${sha256}`, `${source}: subject`);
  return { predicate: statement.predicate as unknown as DecisionRecordPredicate, artifact, statement, verified };
}

/**
 * Re-makes a recorded decision offline and compares the whole record. The
 * recorded question (artifact, stage, deployed model, evaluation time and its
 * source) is asked again of the given policy bundle, over the recorded
 * attestation bundles found in the store by digest (and the entries
 * recorded as unreadable, if still there); the record statement is then
 * re-created from the re-evaluation and compared with the signed one field by
 * field, so a record whose result, verdict, policy, inputs, times or any other
 * field was changed, and re-signed, replays as different.
 */
export async function replayDecision(record: VerifiedDecisionRecord, engine: DecisionEngine, store: AttestationStore): Promise<ReplayOutcome> {
  const recorded = record.predicate;
  const differences: string[] = [];
  const wanted = [...new Set(recorded.inputAttestations.map((entry) => entry.digest.sha256))];
  const unreadable = new Set(recorded.gatehouse.unreadable);
  const found = new Set<string>();
  // One listing of the artifact's bundles finds what the record names; only a bundle filed
  // elsewhere (under another subject, or loose) is fetched by digest.
  // The same listing a decision makes (the artifact's bundles and those of the directory digest an
  // integrity attestation claims to bind to it), so the inventory is asked about the same subjects.
  const evidence = artifactEvidence(store, record.artifact, recorded.gatehouse.inventory);
  async function* recordedBundles(): AsyncGenerator<StoreEntry> {
    const pending = new Set(wanted);
    for await (const entry of evidence.bundles) {
      if ('error' in entry) {
        if (unreadable.has(locationName(entry.location))) yield entry;
      } else if (pending.delete(entry.bundleDigest)) {
        found.add(entry.bundleDigest);
        yield entry;
      }
    }
    for (const digest of pending) {
      const entry = await store.get(digest);
      if (entry === undefined) continue;
      found.add(digest);
      yield entry;
    }
  }
  const seen = recorded.gatehouse.inventory;
  const replayed = await engine.decide({
    artifact: record.artifact,
    stage: recorded.gatehouse.stage,
    deployed: recorded.gatehouse.deployed === null ? null : parseDigest(recorded.gatehouse.deployed, 'decision record deployed'),
    evaluationTime: parseRFC3339(recorded.gatehouse.evaluationTime, 'decision record evaluationTime'),
    evaluationTimeSource: recorded.gatehouse.evaluationTimeSource,
    bundles: recordedBundles(),
    // The inventory as it stood at the head the decision saw: what it listed then must all still be there.
    ...(seen === undefined ? {} : { inventory: evidence.inventory }),
  });
  for (const digest of wanted) {
    if (!found.has(digest)) differences.push(`attestation sha256:${digest} is recorded but not in ${store.uri}`);
  }
  if (seen !== undefined) {
    // The whole store, not only this artifact's bundles: a deletion or rewrite anywhere before the head breaks the chain the record pins.
    const check = await store.checkInventory([seen]);
    if (check === null) differences.push(`the record saw inventory head ${seen.sequence}:${seen.head}, but ${store.uri} keeps no inventory`);
    else differences.push(...check.problems.map((problem) => `inventory of ${store.uri}: ${problem}`));
  }
  const name = record.statement.subject[0]!.name;
  const remade = toDecisionStatement(replayed, name);
  // A record made before trusted roots were pinned replays with the roots the policy gives
  // now: what it decided is still compared in full, the absent pin is not a difference.
  if (recorded.gatehouse.trustedRoots === undefined) delete remade.predicate!.gatehouse.trustedRoots;
  differences.push(...diffJSON(record.statement, remade, 'record'));
  return { identical: differences.length === 0, differences, record, replayed };
}

/** Paths at which two JSON values differ, each with both values. */
export function diffJSON(recorded: unknown, replayed: unknown, path: string, limit = 50): string[] {
  if (show(recorded) === show(replayed)) return [];
  const bothObjects = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object';
  if (!bothObjects(recorded) || !bothObjects(replayed) || Array.isArray(recorded) !== Array.isArray(replayed)) {
    return [`${path}: recorded ${show(recorded)}, replayed ${show(replayed)}`];
  }
  const keys = [...new Set([...Object.keys(recorded), ...Object.keys(replayed)])].sort();
  const out: string[] = [];
  for (const key of keys) {
    out.push(...diffJSON(recorded[key], replayed[key], Array.isArray(recorded) ? `${path}[${key}]` : `${path}.${key}`, limit));
    if (out.length >= limit) break;
  }
  return out.slice(0, limit);
}

function show(value: unknown): string {
  return value === undefined ? '(absent)' : canonicalize(value);
}
