import { Option, type Command } from 'commander';
import { VerificationError } from '../../src/verify/error.ts';
import { signerName } from '../../src/verify/identity.ts';
import { digestHex } from '../../src/digest/artifact.ts';
import { addKeylessTrustOptions, collect, resolveSubject, trustFrom, type TrustFlags } from '../options.ts';
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
      .option('--subject <path|sha256:hex>', 'also require the statement to be about this artifact')
      .option('--predicate-type <uri>', 'also require this predicate type'),
  )
    .option('--json', 'print the verified statement and signer as JSON')
    .action(async (bundlePath: string, flags: VerifyFlags) => {
      const { AttestationVerifier } = await import('../../src/verify/verifier.ts');
      const verifier = new AttestationVerifier(await trustFrom(flags.key ?? [], flags));
      const verified = await verifier.verifyFile(bundlePath);
      const { statement } = verified;
      if (flags.predicateType !== undefined && statement.predicateType !== flags.predicateType) {
        throw new VerificationError({ code: 'STATEMENT_INVALID', message: `${bundlePath}: predicate type is ${statement.predicateType}, expected ${flags.predicateType}` });
      }
      if (flags.subject !== undefined) {
        const expected = await resolveSubject(flags.subject);
        if (!statement.subject.some((s) => s.digest.sha256 === digestHex(expected.digest))) {
          throw new VerificationError({ code: 'STATEMENT_INVALID', message: `${bundlePath}: not about ${expected.digest}` });
        }
      }
      if (flags.json) {
        printJSON(output, { verified: true, signer: verified.signer, bundleDigest: `sha256:${verified.bundleDigest}`, statement });
        return;
      }
      output.out(`verified ${bundlePath}`);
      output.out(`  signer:         ${signerName(verified.signer)}`);
      output.out(`  predicate type: ${statement.predicateType}`);
      for (const subject of statement.subject) output.out(`  subject:        sha256:${subject.digest.sha256}${subject.name ? ` (${subject.name})` : ''}`);
      const verdict = (statement.predicate as { verdict?: unknown } | undefined)?.verdict;
      if (typeof verdict === 'string') output.out(`  verdict:        ${verdict}`);
    });
}
