import type { SerializedBundle } from '@sigstore/bundle';
import { toStatement, type Statement } from '../attest/statement.ts';
import { PREDICATE_TYPES, type GateName, type GatePredicateBase } from '../attest/predicates.ts';
import { predicateValidators } from '../attest/predicate-schemas.ts';
import { digestHex, type ArtifactDigest } from '../digest/artifact.ts';
import { signStatement, type AttestOptions } from '../sign/attest.ts';

/** What running a gate produced: the signed attestation and the statement inside it. */
export interface GateRun<P extends GatePredicateBase<GateName>> {
  statement: Statement<P>;
  bundle: SerializedBundle;
}

/**
 * The last step every gate shares: wrap its predicate in a statement about the
 * artifact, check the predicate against its schema, and sign it.
 */
export async function attestGate<P extends GatePredicateBase<GateName>>(
  subject: { name: string; digest: ArtifactDigest },
  predicate: P,
  signing: AttestOptions,
): Promise<GateRun<P>> {
  const predicateType = PREDICATE_TYPES[predicate.gate];
  predicateValidators[predicateType].assert(predicate, `<${predicate.gate} predicate>`, `${predicate.gate} predicate`);
  const statement = toStatement({
    subjects: [{ name: subject.name, digest: { sha256: digestHex(subject.digest) } }],
    predicateType,
    predicate,
  });
  return { statement, bundle: await signStatement(statement, signing) };
}

/** RFC 3339 form of an evaluation time, to the second. */
export function toRFC3339(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
