import { createPublicKey } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { InputError } from '../../src/error.ts';
import { writeFileAtomic } from '../../src/io/atomic.ts';
import { KEY_ALGORITHMS, generateKeyPair, keyFingerprint, type KeyAlgorithm } from '../../src/keys/keys.ts';
import { lstat } from 'node:fs/promises';
import { printJSON, type Output } from '../output.ts';

export function registerKeygen(program: Command, output: Output): void {
  program
    .command('keygen')
    .description('generate a signing key pair: PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SPKI PEM)')
    .requiredOption('--out <prefix>', 'path prefix of the two files')
    .addOption(new Option('--alg <algorithm>', 'key algorithm').choices(KEY_ALGORITHMS).default('ecdsa-p256'))
    .option('--json', 'print the result as JSON')
    .action(async (flags: { out: string; alg: KeyAlgorithm; json?: boolean }) => {
      const privatePath = `${flags.out}.key`;
      const publicPath = `${flags.out}.pub`;
      // Never replace an existing key: losing a private key is not undoable.
      for (const path of [privatePath, publicPath]) {
        if (await exists(path)) throw new InputError({ code: 'USAGE', message: 'already exists; refusing to overwrite a key', path });
      }
      const pair = generateKeyPair(flags.alg);
      await mkdir(dirname(privatePath), { recursive: true });
      await writeFileAtomic(privatePath, pair.privateKeyPEM, { mode: 0o600 });
      await writeFileAtomic(publicPath, pair.publicKeyPEM, { mode: 0o644 });
      const fingerprint = keyFingerprint(createPublicKey(pair.publicKeyPEM));
      if (flags.json) printJSON(output, { privateKey: privatePath, publicKey: publicPath, algorithm: flags.alg, keyId: fingerprint });
      else output.out(`wrote ${privatePath} and ${publicPath} (${flags.alg}, ${fingerprint})`);
    });
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
