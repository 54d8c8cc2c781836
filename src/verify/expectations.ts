import { VerificationError } from './error.ts';
import { artifactDigestsOf, isAbout, isDigestReference, parseArtifactDigest, subjectAlgorithms } from './subject.ts';
import type { TrustPolicy } from './trust.ts';
import { AttestationVerifier, type VerifiedAttestation } from './verifier.ts';

/** What else a verified attestation must be: of this predicate type, about this artifact (a path, or alg:hex). */
export interface AttestationExpectations {
  predicateType?: string;
  subject?: string;
}

/**
 * Verifies a bundle file against trusted signers, then checks it is what the
 * caller expects: its predicate type, and that a subject names the artifact
 * (a path is hashed in every accepted algorithm the subjects use, since npm
 * names tarballs by sha512 only).
 */
export async function verifyAttestationFile(path: string, trust: TrustPolicy, expected: AttestationExpectations = {}): Promise<VerifiedAttestation> {
  const verified = await new AttestationVerifier(trust).verifyFile(path);
  const { statement } = verified;
  if (expected.predicateType !== undefined && statement.predicateType !== expected.predicateType) {
    throw new VerificationError({ code: 'STATEMENT_INVALID', message: `${path}: predicate type is ${statement.predicateType}, expected ${expected.predicateType}` });
  }
  if (expected.subject !== undefined) {
    const digests = isDigestReference(expected.subject)
      ? [parseArtifactDigest(expected.subject, '--subject')]
      : await artifactDigestsOf(expected.subject, subjectAlgorithms(statement.subject));
    if (!isAbout(statement.subject, digests)) {
      throw new VerificationError({ code: 'STATEMENT_INVALID', message: `${path}: not about ${digests.join(' or ')}` });
    }
  }
  return verified;
}
