import type { Command } from 'commander';
import { writeFileAtomic } from '../../src/io/atomic.ts';
import { ExitError, EXIT } from '../exit.ts';
import { loadPolicy, parseTime } from '../options.ts';
import { printJSON, type Output } from '../output.ts';

// `gatehouse redteam report`: a red team's findings file turned into its report predicate, unsigned,
// to review before its member signs it (`gate redteam`, or `attest` with the red-team predicate type).

interface ReportFlags {
  subject: string;
  policy: string;
  policyKey: string;
  at?: string;
  out?: string;
}

export function registerRedteam(program: Command, output: Output): void {
  const redteam = program.command('redteam').description("the red team's sign-off: findings files and their reports");
  redteam
    .command('report')
    .description("turn a findings file (JSON or YAML, schema-checked, severities on the policy's scale) into the red-team report predicate, unsigned; exit 1 when it would not pass")
    .argument('<findings>', 'the findings file: engagement, model digest, findings')
    .requiredOption('--subject <path|sha256:hex|oci://…@sha256:hex>', 'the model the engagement covered')
    .requiredOption('--policy <bundle.tar.gz>', 'the signed policy bundle whose severity scale and blocking level apply')
    .requiredOption('--policy-key <file.pub>', "the policy team's public key")
    .option('--at <rfc3339>', 'evaluation time the report records (default: now)')
    .option('--out <predicate.json>', 'write the predicate here instead of printing it')
    .action(async (findings: string, flags: ReportFlags) => {
      const evaluatedAt = flags.at === undefined ? new Date() : parseTime(flags.at, '--at');
      const [policy, { redteamReport }] = await Promise.all([loadPolicy(flags), import('../../src/gates/redteam/index.ts')]);
      const { predicate } = await redteamReport({ subject: flags.subject, findings, policy }, { evaluatedAt });
      if (flags.out === undefined) printJSON(output, predicate);
      else await writeFileAtomic(flags.out, `${JSON.stringify(predicate, null, 2)}\n`);
      for (const reason of predicate.reasons) output.err(`redteam: ${reason}`);
      if (predicate.verdict !== 'pass') throw new ExitError(EXIT.failed);
    });
}
