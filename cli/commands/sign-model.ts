import type { Command } from 'commander';
import type { Serialization } from '../../src/digest/model.ts';
import { addSigningOptions, parseShardSize, signingFrom, type SigningFlags } from '../options.ts';
import { printJSON, type Output } from '../output.ts';
import { progressReporter } from '../progress.ts';

interface SignModelFlags extends SigningFlags {
  shardSize?: string;
  json?: boolean;
}

export function registerSignModel(program: Command, output: Output): void {
  addSigningOptions(
    program
      .command('sign-model')
      .description('sign a model directory as OpenSSF model-signing does, writing <dir>/model.sig for model_signing verify and the provenance gate')
      .argument('<dir>', 'the model directory')
      .option('--shard-size <bytes>', 'hash files in shards of this many bytes (model-signing shard serialization)'),
  )
    .option('--json', 'print the signature path and the signed manifest digest as JSON')
    .action(async (directory: string, flags: SignModelFlags) => {
      const [{ modelSigningKeySigner, signModelDirectory }, { readPrivateKey }] = await Promise.all([
        import('../../src/gates/provenance/model-signing.ts'),
        import('../../src/keys/keys.ts'),
      ]);
      const serialization: Serialization = flags.shardSize === undefined ? { method: 'files' } : { method: 'shards', shardSize: parseShardSize(flags.shardSize) };
      // A key signature carries the key hint model_signing checks; keyless goes through the usual signer.
      const keyPath = flags.signingKey ?? flags.key;
      const signing = keyPath !== undefined && flags.keyless !== true ? { signer: modelSigningKeySigner(await readPrivateKey(keyPath)) } : await signingFrom(flags);
      const { manifest, signaturePath } = await signModelDirectory(directory, signing, { serialization, onProgress: progressReporter(`digesting ${directory}`, 'bytes') });
      const digest = `sha256:${manifest.digest}`;
      if (flags.json) printJSON(output, { signature: signaturePath, digest, serialization: manifest.serialization, resources: manifest.resources.length });
      else output.out(`wrote ${signaturePath}: model-signing signature of ${manifest.modelName} (${digest}, ${manifest.resources.length} ${manifest.serialization.method === 'files' ? 'files' : 'shards'})`);
    });
}
