import { BoundedMap } from '../concurrency/bounded-map.ts';

/** How a cached value was found: kept from before, made by this call, or made by a call already running (single-flight). */
export type CacheOutcome = 'hit' | 'miss' | 'joined';

/** A made value and how long it may be kept: a time (milliseconds since the epoch) after which it is not used. */
export interface Expiring<V> {
  value: V;
  expiresAt: number;
}

/**
 * A bounded cache of values that expire, where concurrent misses for one key
 * share one making (single-flight). A making that throws is not kept: the
 * next call makes it again. The key must hold everything the value depends
 * on; the cache adds nothing to it.
 */
export class ExpiringCache<V> {
  // Absent when the capacity is 0: nothing is kept, and concurrent misses still share one making.
  readonly #entries: BoundedMap<string, Expiring<V>> | undefined;
  readonly #inFlight = new Map<string, Promise<Expiring<V>>>();
  readonly #now: () => number;

  /** `capacity`: entries kept at most (0: none). */
  constructor(options: { capacity: number; now?: () => number }) {
    this.#entries = options.capacity === 0 ? undefined : new BoundedMap(options.capacity);
    this.#now = options.now ?? Date.now;
  }

  /** The value for `key`: kept and not expired, or being made, or made now by `make`. */
  async get(key: string, make: () => Promise<Expiring<V>>): Promise<{ value: V; outcome: CacheOutcome }> {
    const kept = this.#entries?.get(key);
    if (kept !== undefined) {
      if (kept.expiresAt > this.#now()) return { value: kept.value, outcome: 'hit' };
      this.#entries!.delete(key);
    }
    const running = this.#inFlight.get(key);
    if (running !== undefined) return { value: (await running).value, outcome: 'joined' };
    const making = make();
    this.#inFlight.set(key, making);
    try {
      const made = await making;
      if (made.expiresAt > this.#now()) this.#entries?.set(key, made);
      return { value: made.value, outcome: 'miss' };
    } finally {
      this.#inFlight.delete(key);
    }
  }

  /** Entries kept now (expired ones included until they are next asked for). */
  get size(): number {
    return this.#entries?.size ?? 0;
  }

  /** Forgets every entry (in-flight makings finish for their callers). */
  clear(): void {
    this.#entries?.clear();
  }
}
