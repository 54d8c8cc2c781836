import { Option, type Command } from 'commander';
import { VerificationError } from '../../src/verify/error.ts';
import { signerName } from '../../src/verify/identity.ts';
import { subjectDigests } from '../../src/attest/statement.ts';
import { ExitError, toExit } from '../exit.ts';
import { addKeylessTrustOptions, collect, trustFrom, type TrustFlags } from '../options.ts';
import { printJSON, type Output } from '../output.ts';

interface VerifyFlags extends TrustFlags {
  trustedKey?: string[];
  /** The old name of --trusted-key, still accepted. */
  key?: string[];
  subject?: string;
  predicateType?: string;
  json?: boolean;
}

export function registerVerifyAttestation(program: Command, output: Output): void {
  addKeylessTrustOptions(
    program
      .command('verify-attestation')
      .description('verify a Sigstore bundle against trusted signers and print what it attests (offline, but for fetching the trusted root through TUF)')
      .argument('<bundle>', 'a .sigstore.json bundle')
      .addOption(new Option('--trusted-key <file.pub>', 'trusted public key (PEM); repeatable').argParser(collect))
      .addOption(new Option('--key <file.pub>', 'the old name of --trusted-key').argParser(collect).hideHelp().conflicts('trustedKey'))
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
        printJSON(output, { verified: true, signer: verified.signer, ...(verified.certificate === undefined ? {} : { certificate: verified.certificate }), bundleDigest: `sha256:${verified.bundleDigest}`, statement });
        return;
      }
      output.out(`verified ${bundlePath}`);
      output.out(`  signer:         ${signerName(verified.signer)}`);
      const workflow = verified.certificate?.extensions;
      if (workflow?.githubWorkflowRepository !== undefined) {
        output.out(`  workflow:       ${workflow.githubWorkflowRepository} ${workflow.githubWorkflowRef ?? ''} (${workflow.githubWorkflowTrigger ?? 'trigger not named'}, ${workflow.runnerEnvironment ?? 'runner not named'})`);
      }
      output.out(`  predicate type: ${statement.predicateType}`);
      for (const subject of statement.subject) output.out(`  subject:        ${subjectDigests([subject]).join(' ')}${subject.name ? ` (${subject.name})` : ''}`);
      const verdict = (statement.predicate as { verdict?: unknown } | null | undefined)?.verdict;
      if (typeof verdict === 'string') output.out(`  verdict:        ${verdict}`);
    });
}

async function verifyAttestation(bundlePath: string, flags: VerifyFlags) {
  const { verifyAttestationFile } = await import('../../src/verify/expectations.ts');
  const expected = { ...(flags.predicateType === undefined ? {} : { predicateType: flags.predicateType }), ...(flags.subject === undefined ? {} : { subject: flags.subject }) };
  return verifyAttestationFile(bundlePath, await trustFrom([...(flags.trustedKey ?? []), ...(flags.key ?? [])], flags), expected);
}
