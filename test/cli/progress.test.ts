import { describe, expect, it } from 'vitest';
import { progressReporter } from '../../cli/progress.ts';
import { hashModelDirectory } from '../../src/digest/model.ts';
import { HashPool } from '../../src/digest/pool.ts';
import { MODEL_TREE } from '../helpers.ts';

// A target whose clock the test moves.
function target(isTTY: boolean) {
  const written: string[] = [];
  let now = 1_000_000;
  return { written, advance: (ms: number) => (now += ms), target: { isTTY, write: (text: string) => void written.push(text), now: () => now } };
}

describe('progress on long work', () => {
  it('in a CI log, writes whole lines at most every 5 seconds, and nothing for work that ends sooner', () => {
    const quick = target(false);
    const reportQuick = progressReporter('digesting m', 'bytes', quick.target);
    reportQuick(0, 100);
    quick.advance(4000);
    reportQuick(100, 100);
    expect(quick.written).toEqual([]);

    const slow = target(false);
    const report = progressReporter('digesting m', 'bytes', slow.target);
    report(0, 1000);
    slow.advance(5000);
    report(250, 1000);
    slow.advance(1000);
    report(500, 1000);
    slow.advance(5000);
    report(1000, 1000);
    report(1000, 1000);
    expect(slow.written).toEqual(['digesting m: 250 of 1000 bytes (25%)\n', 'digesting m: 1000 of 1000 bytes (100%)\n']);
  });

  it('on a terminal, redraws one line and ends it when the work is done', () => {
    const tty = target(true);
    const report = progressReporter('asking m', 'prompts', tty.target);
    tty.advance(200);
    report(1, 4);
    tty.advance(10);
    report(2, 4);
    tty.advance(200);
    report(4, 4);
    expect(tty.written).toHaveLength(2);
    expect(tty.written[0]).toMatch(/^\rasking m \[=+ *\] 1\/4 25% ETA \d+s$/);
    expect(tty.written[1]).toMatch(/^\rasking m \[={30}\] 4\/4 100% ETA 0s\n$/);
  });

  it('is told every byte of a model directory as it is hashed, inline and on worker threads', async () => {
    const pool = new HashPool(2);
    for (const threads of [{ workers: 1 }, { pool }]) {
      const seen: Array<[number, number]> = [];
      const manifest = await hashModelDirectory(MODEL_TREE, { ...threads, serialization: { method: 'shards', shardSize: 100_000 }, onProgress: (done, total) => void seen.push([done, total]) });
      expect(seen[0]).toEqual([0, manifest.totalBytes]);
      expect(seen.at(-1)).toEqual([manifest.totalBytes, manifest.totalBytes]);
      expect(seen.length).toBe(manifest.resources.length + 1);
      for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThanOrEqual(seen[i - 1]![0]);
    }
    await pool.close();
  });
});
