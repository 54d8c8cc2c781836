/**
 * A Map that holds at most `capacity` entries (or, with `weigh`, entries
 * whose weights sum to at most `capacity`), forgetting the least recently
 * used first: a memo a long-running server keeps without growing without end.
 * A value heavier than the whole capacity is not kept.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly capacity: number;
  readonly #weigh: ((value: V) => number) | undefined;
  #weight = 0;

  constructor(capacity: number, weigh?: (value: V) => number) {
    super();
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#weigh = weigh;
  }

  /** The weights of the entries held, summed (their number without `weigh`). */
  get weight(): number {
    return this.#weigh === undefined ? this.size : this.#weight;
  }

  override get(key: K): V | undefined {
    if (!super.has(key)) return undefined;
    // Re-inserted, so insertion order is the order of use.
    const value = super.get(key) as V;
    super.delete(key);
    super.set(key, value);
    return value;
  }

  override set(key: K, value: V): this {
    this.delete(key);
    const weight = this.#weigh?.(value) ?? 1;
    // Kept, it would push out everything else and then itself.
    if (weight > this.capacity) return this;
    super.set(key, value);
    if (this.#weigh !== undefined) this.#weight += weight;
    while (this.weight > this.capacity) this.delete(this.keys().next().value as K);
    return this;
  }

  override delete(key: K): boolean {
    if (!super.has(key)) return false;
    if (this.#weigh !== undefined) this.#weight -= this.#weigh(super.get(key) as V);
    return super.delete(key);
  }

  override clear(): void {
    super.clear();
    this.#weight = 0;
  }
}
