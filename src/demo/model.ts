import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Deterministic pseudo-random bytes (SHA-256 in counter mode), so demo models hash the same everywhere. */
export function deterministicBytes(seed: string, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (let counter = 0; offset < size; counter++) {
    const block = createHash('sha256').update(`${seed}:${counter}`).digest();
    offset += block.copy(out, offset, 0, Math.min(block.length, size - offset));
  }
  return out;
}

/** Writes a small but realistic model directory: config, tokenizer, two weight shards. */
export async function writeDemoModel(directory: string, seed = 'gatehouse-demo'): Promise<void> {
  await mkdir(join(directory, 'tokenizer'), { recursive: true });
  await writeFile(join(directory, 'config.json'), `${JSON.stringify({ architectures: ['DemoClassifier'], hidden_size: 256, seed }, null, 2)}\n`);
  await writeFile(join(directory, 'tokenizer', 'vocab.txt'), Array.from({ length: 5000 }, (_, i) => `tok${i}`).join('\n'));
  await writeFile(join(directory, 'model-00001-of-00002.safetensors'), deterministicBytes(`${seed}:1`, 3 * 1024 * 1024));
  await writeFile(join(directory, 'model-00002-of-00002.safetensors'), deterministicBytes(`${seed}:2`, 2 * 1024 * 1024 + 17));
}
