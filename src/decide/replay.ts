import { canonicalize } from '../canonical/json.ts';
import { parseDigest } from '../digest/artifact.ts';
import { InputError } from '../error.ts';
import type { StoredBundle, UnreadableBundle } from '../store/store.ts';
import { parseRFC3339 } from '../time.ts';
import { VerificationError } from '../verify/error.ts';
import type { TrustPolicy } from '../verify/trust.ts';
import { AttestationVerifier, type VerifiedAttestation } from '../verify/verifier.ts';
import { collectAttestations, locationName } from './attestations.ts';
import type { Decision, DecisionEngine } from './decide.ts';
import { DECISION_PREDICATE_TYPE, decisionRecordValidator, type DecisionRecordPredicate } from './record.ts';

/** A decision record that verified, with who signed it. */
export interface VerifiedDecisionRecord {
  predicate: DecisionRecordPredicate;
  artifact: string;
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
  if (verified.statement.predicateType !== DECISION_PREDICATE_TYPE) {
    throw new VerificationError({ code: 'STATEMENT_INVALID', message: `${source}: not a decision record (predicate type ${verified.statement.predicateType})` });
  }
  const predicate = verified.statement.predicate;
  const problem = decisionRecordValidator.problem(predicate);
  if (problem !== undefined) throw new InputError({ code: 'SCHEMA_INVALID', message: `not a valid decision record: ${problem}`, path: source });
  return { predicate: predicate as unknown as DecisionRecordPredicate, artifact: `sha256:${verified.statement.subject[0]!.digest.sha256}`, verified };
}

/**
 * Re-evaluates a recorded decision offline: the same policy bundle (by
 * digest), the same attestation bundles (by digest), the same stage, deployed
 * model and evaluation time, through the same verification and policy. The
 * outcome is identical only when the policy, the input document and the
 * decision all match the record.
 */
export async function replayDecision(record: VerifiedDecisionRecord, engine: DecisionEngine, attestationsDir: string): Promise<ReplayOutcome> {
  const recorded = record.predicate;
  const differences: string[] = [];
  if (engine.bundle.digest !== recorded.policy.digest.sha256) {
    differences.push(`policy bundle: recorded sha256:${recorded.policy.digest.sha256}, given sha256:${engine.bundle.digest}`);
  }
  const artifact = parseDigest(record.artifact, 'decision record subject');
  const wanted = new Map(recorded.inputAttestations.map((entry) => [entry.digest.sha256, entry.uri]));
  const unreadable = new Set(recorded.gatehouse.unreadable);
  const bundles: Array<StoredBundle | UnreadableBundle> = [];
  for (const entry of await collectAttestations(attestationsDir, artifact)) {
    if ('error' in entry) {
      if (unreadable.has(locationName(entry.location))) bundles.push(entry);
    } else if (wanted.has(entry.bundleDigest) && !bundles.some((b) => 'bundleDigest' in b && b.bundleDigest === entry.bundleDigest)) {
      bundles.push(entry);
    }
  }
  const found = new Set(bundles.flatMap((b) => ('bundleDigest' in b ? [b.bundleDigest] : [])));
  for (const [digest, uri] of wanted) {
    if (!found.has(digest)) differences.push(`attestation sha256:${digest} (${uri}) is recorded but not in ${attestationsDir}`);
  }
  const input = engine.input({
    artifact,
    stage: recorded.gatehouse.stage,
    deployed: recorded.gatehouse.deployed === null ? null : parseDigest(recorded.gatehouse.deployed, 'decision record deployed'),
    evaluationTime: parseRFC3339(recorded.gatehouse.evaluationTime, 'decision record evaluationTime'),
    bundles,
  });
  const replayed = engine.evaluate(input);
  if (`sha256:${replayed.inputDigest}` !== recorded.gatehouse.inputDigest) {
    differences.push(`policy input: recorded ${recorded.gatehouse.inputDigest}, replayed sha256:${replayed.inputDigest}`);
  }
  differences.push(...diffJSON(recorded.gatehouse.result, replayed.result, 'result'));
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
