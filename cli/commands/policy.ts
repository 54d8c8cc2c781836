import { join } from 'node:path';
import type { Command } from 'commander';
import { ExitError, EXIT } from '../exit.ts';
import { printJSON, type Output } from '../output.ts';

export function registerPolicy(program: Command, output: Output): void {
  const policy = program.command('policy').description('build, sign and test the Rego policy bundle');

  policy
    .command('build')
    .description('compile policies/ to WebAssembly with opa build, sign it (ES256) and verify the result')
    .option('--policies <dir>', 'the policy sources', 'policies')
    .requiredOption('--signing-key <file.key>', "the policy team's ECDSA P-256 private key")
    .option('--out <bundle.tar.gz>', 'where to write the signed bundle', 'bundles/gatehouse.tar.gz')
    .option('--opa <path>', 'the opa binary (default: .tools/bin/opa, else opa on PATH)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: { policies: string; signingKey: string; out: string; opa?: string; json?: boolean }) => {
      const { buildPolicyBundle } = await import('../../src/policy/build.ts');
      const bundle = await buildPolicyBundle({ policiesDir: flags.policies, out: flags.out, signingKey: flags.signingKey, ...(flags.opa === undefined ? {} : { opa: flags.opa }) });
      const summary = { out: flags.out, digest: `sha256:${bundle.digest}`, revision: bundle.revision, files: [...bundle.files.keys()].sort() };
      if (flags.json) printJSON(output, summary);
      else output.out(`wrote ${flags.out} (sha256:${bundle.digest}, revision ${bundle.revision}, ${summary.files.length} files, signed and verified)`);
    });

  policy
    .command('init')
    .description("scaffold a security team's own policy repository: the Rego packages and tests, example data with keys of its own, a CI workflow")
    .argument('<dir>', 'a new or empty directory')
    .action(async (directory: string) => {
      const { initPolicyRepository } = await import('../../src/policy/init.ts');
      const made = await initPolicyRepository(directory);
      output.out(`wrote a policy repository in ${directory}:`);
      output.out(`  policies: ${made.policies} (Rego packages, tests, data/*.yaml)`);
      output.out(`  policy key: ${made.policyKey} (signs bundles; keep it in a secret store)`);
      output.out(`  ${made.signers.length} signer keys in ${join(directory, 'keys')} (${made.signers.map((signer) => signer.name).join(', ')})`);
      output.out(`next: gatehouse policy test --policies ${made.policies}`);
      output.out(`      gatehouse policy build --policies ${made.policies} --signing-key ${made.policyKey} --out ${join(directory, 'bundles', 'gatehouse.tar.gz')}`);
    });

  policy
    .command('test')
    .description('run the Rego tests with opa test, with coverage')
    .option('--policies <dir>', 'the policy sources', 'policies')
    .option('--opa <path>', 'the opa binary (default: .tools/bin/opa, else opa on PATH)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: { policies: string; opa?: string; json?: boolean }) => {
      const { testPolicies } = await import('../../src/policy/build.ts');
      const result = await testPolicies({ policiesDir: flags.policies, ...(flags.opa === undefined ? {} : { opa: flags.opa }) });
      if (flags.json) printJSON(output, { passed: result.passed, failed: result.failed.length, failures: result.failed, coverage: result.coverage ?? null });
      else {
        for (const test of result.failed) output.out(`FAIL ${test.name} (${test.location})`);
        const coverage = result.coverage === undefined ? 'coverage not measured while a test fails' : `coverage ${result.coverage.toFixed(1)}%`;
        output.out(`${result.passed} passed, ${result.failed.length} failed; ${coverage}`);
      }
      if (result.failed.length > 0) throw new ExitError(EXIT.failed);
    });
}
