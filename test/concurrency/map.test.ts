import { describe, expect, it } from 'vitest';
import { mapConcurrent } from '../../src/concurrency/map.ts';

describe('mapConcurrent', () => {
  it('keeps at most `limit` calls in flight and returns results in the items order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapConcurrent([5, 1, 4, 2, 3, 0], 3, async (delay, index) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, delay * 3));
      inFlight--;
      return `${index}:${delay}`;
    });
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0']);
    expect(most).toBe(3);
    expect(await mapConcurrent([], 4, async () => 1)).toEqual([]);
  });

  describe('when a call fails', () => {
    it('throws its error and starts no further item', async () => {
      const started: number[] = [];
      const attempt = mapConcurrent([0, 1, 2, 3, 4, 5], 2, async (item) => {
        started.push(item);
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (item === 1) throw new Error('no answer');
        return item;
      });
      await expect(attempt).rejects.toThrow('no answer');
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(started).toEqual([0, 1, 2]);
    });
  });

  describe('when the limit is not a positive whole number', () => {
    it('refuses to start', async () => {
      for (const limit of [0, -1, 1.5, Number.NaN]) await expect(mapConcurrent([1], limit, async (x) => x), String(limit)).rejects.toThrow(RangeError);
    });
  });
});
