import { Option, type Command } from 'commander';
import { KEY_ALGORITHMS, type KeyAlgorithm } from '../../src/keys/keys.ts';
import { printJSON, type Output } from '../output.ts';

export function registerKeygen(program: Command, output: Output): void {
  program
    .command('keygen')
    .description('generate a signing key pair: PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SPKI PEM)')
    .requiredOption('--out <prefix>', 'path prefix of the two files')
    .addOption(new Option('--alg <algorithm>', 'key algorithm').choices(KEY_ALGORITHMS).default('ecdsa-p256'))
    .option('--json', 'print the result as JSON')
    .action(async (flags: { out: string; alg: KeyAlgorithm; json?: boolean }) => {
      const { writeKeyPair } = await import('../../src/keys/keys.ts');
      const written = await writeKeyPair(flags.out, flags.alg);
      if (flags.json) printJSON(output, written);
      else output.out(`wrote ${written.privateKey} and ${written.publicKey} (${written.algorithm}, ${written.keyId})`);
    });
}
