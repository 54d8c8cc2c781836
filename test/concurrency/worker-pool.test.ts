import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/concurrency/worker-pool.ts';

// A worker that doubles a number, throws for a negative one and dies (exits) at zero.
const SCRIPT = new URL(`data:text/javascript,${encodeURIComponent(`
  import { parentPort } from 'node:worker_threads';
  parentPort.on('message', ({ id, task }) => {
    if (task === 0) process.exit(7);
    if (task < 0) parentPort.postMessage({ id, error: 'negative ' + task });
    else parentPort.postMessage({ id, result: task * 2 });
  });
`)}`);

describe('WorkerPool', () => {
  it('runs every task on at most `size` workers and returns each result to its caller', async () => {
    const pool = new WorkerPool<number, number>(SCRIPT, 2);
    try {
      expect(await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run(i + 1)))).toEqual(Array.from({ length: 20 }, (_, i) => 2 * (i + 1)));
    } finally {
      await pool.close();
    }
  });

  describe('when a task fails or its worker dies', () => {
    it('rejects that task with the worker error and keeps serving the rest', async () => {
      const pool = new WorkerPool<number, number>(SCRIPT, 1);
      try {
        await expect(pool.run(-3)).rejects.toThrow('negative -3');
        await expect(pool.run(0)).rejects.toThrow('worker exited with code 7');
        expect(await pool.run(4)).toBe(8);
      } finally {
        await pool.close();
      }
    });
  });

  describe('when closed', () => {
    it('rejects what is still queued', async () => {
      const pool = new WorkerPool<number, number>(SCRIPT, 1);
      const queued = [pool.run(1), pool.run(2)].map((task) => task.then(String, (error: Error) => error.message));
      await pool.close();
      expect(await Promise.all(queued)).toEqual(['worker pool closed', 'worker pool closed']);
    });
  });

  describe('when the size is not a positive whole number', () => {
    it('refuses to start', () => {
      for (const size of [0, -1, 1.5, Number.NaN]) expect(() => new WorkerPool(SCRIPT, size), String(size)).toThrow(RangeError);
    });
  });
});
