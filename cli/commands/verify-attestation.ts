import { Option, type Command } from 'commander';
import { VerificationError } from '../../src/verify/error.ts';
import { signerName } from '../../src/verify/identity.ts';
import { subjectDigests } from '../../src/attest/statement.ts';
import { ExitError, toExit } from '../exit.ts';
import { addKeylessTrustOptions, collect, trustFrom, type TrustFlags } from '../options.ts';
import { printJSON, type Output } from '../output.ts';

interface VerifyFlags extends TrustFlags {
  key?: string[];
  subject?: string;
  predicateType?: string;
  json?: boolean;
}

export function registerVerifyAttestation(program: Command, output: Output): void {
  addKeylessTrustOptions(
    program
      .command('verify-attestation')
      .description('verify a Sigstore bundle offline against trusted signers and print what it attests')
      .argument('<bundle>', 'a .sigstore.json bundle')
      .addOption(new Option('--key <file.pub>', 'trusted public key (PEM); repeatable').argParser(collect))
      .option('--subject <path|alg:hex>', 'also require the statement to be about this artifact (a path, or sha256:, sha384: or sha512: and the hex digest)')
      .option('--predicate-type <uri>', 'also require this predicate type'),
  )
    .option('--json', 'print the verified statement and signer as JSON (or, on exit 1, the failure and its code)')
    .action(async (bundlePath: string, flags: VerifyFlags) => {
      let verified;
      try {
        verified = await verifyAttestation(bundlePath, flags);
      } catch (error) {
        // A script reading --json learns why from the code, not from the wording: this object is
        // the command's JSON answer, so the failure is reported here, once, with its usual line.
        if (flags.json && error instanceof VerificationError) {
          printJSON(output, { verified: false, code: error.code, message: error.message });
          const exit = toExit(error);
          output.err(`gatehouse: ${exit.line}`);
          throw new ExitError(exit.code);
        }
        throw error;
      }
      const { statement } = verified;
      if (flags.json) {
        printJSON(output, { verified: true, signer: verified.signer, bundleDigest: `sha256:${verified.bundleDigest}`, statement });
        return;
      }
      output.out(`verified ${bundlePath}`);
      output.out(`  signer:         ${signerName(verified.signer)}`);
      output.out(`  predicate type: ${statement.predicateType}`);
      for (const subject of statement.subject) output.out(`  subject:        ${subjectDigests([subject]).join(' ')}${subject.name ? ` (${subject.name})` : ''}`);
      const verdict = (statement.predicate as { verdict?: unknown } | null | undefined)?.verdict;
      if (typeof verdict === 'string') output.out(`  verdict:        ${verdict}`);
    });
}

async function verifyAttestation(bundlePath: string, flags: VerifyFlags) {
  const { AttestationVerifier } = await import('../../src/verify/verifier.ts');
  const verifier = new AttestationVerifier(await trustFrom(flags.key ?? [], flags));
  const verified = await verifier.verifyFile(bundlePath);
  const { statement } = verified;
  if (flags.predicateType !== undefined && statement.predicateType !== flags.predicateType) {
    throw new VerificationError({ code: 'STATEMENT_INVALID', message: `${bundlePath}: predicate type is ${statement.predicateType}, expected ${flags.predicateType}` });
  }
  if (flags.subject !== undefined) {
    const { artifactDigestsOf, isAbout, isDigestReference, parseArtifactDigest, subjectAlgorithms } = await import('../../src/verify/subject.ts');
    // A path is hashed in every accepted algorithm the subjects use (npm names tarballs by sha512 only).
    const expected = isDigestReference(flags.subject)
      ? [parseArtifactDigest(flags.subject, '--subject')]
      : await artifactDigestsOf(flags.subject, subjectAlgorithms(statement.subject));
    if (!isAbout(statement.subject, expected)) {
      throw new VerificationError({ code: 'STATEMENT_INVALID', message: `${bundlePath}: not about ${expected.join(' or ')}` });
    }
  }
  return verified;
}
