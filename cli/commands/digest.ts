import { Option, type Command } from 'commander';
import { digestArtifact } from '../../src/digest/artifact.ts';
import { DEFAULT_IGNORE_PATHS, type Serialization } from '../../src/digest/model.ts';
import { collect, parseShardSize } from '../options.ts';
import { printJSON, type Output } from '../output.ts';
import { progressReporter } from '../progress.ts';

export function registerDigest(program: Command, output: Output): void {
  program
    .command('digest')
    .description("print an artifact's sha256 digest: a file's SHA-256, or a model directory's OpenSSF model-signing manifest digest")
    .argument('<path>', 'a file or a model directory')
    .option('--shard-size <bytes>', 'hash directories in shards of this many bytes (model-signing shard serialization)')
    .addOption(new Option('--ignore <path>', `leave out this path, relative to the model directory (default: ${DEFAULT_IGNORE_PATHS.join(', ')}); repeatable`).argParser(collect))
    .option('--json', 'print the digest and the manifest as JSON')
    .action(async (path: string, flags: { shardSize?: string; ignore?: string[]; json?: boolean }) => {
      const serialization: Serialization =
        flags.shardSize === undefined ? { method: 'files' } : { method: 'shards', shardSize: parseShardSize(flags.shardSize) };
      const result = await digestArtifact(path, { serialization, ...(flags.ignore === undefined ? {} : { ignorePaths: flags.ignore }), onProgress: progressReporter(`digesting ${path}`, 'bytes') });
      if (!flags.json) {
        output.out(result.digest);
        return;
      }
      printJSON(output, {
        digest: result.digest,
        kind: result.kind,
        ...(result.manifest === undefined
          ? {}
          : {
              serialization: result.manifest.serialization,
              ignorePaths: result.manifest.ignorePaths,
              bytes: result.manifest.totalBytes,
              resources: result.manifest.resources,
            }),
      });
    });
}
