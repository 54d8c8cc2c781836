/**
 * A Map that holds at most `capacity` entries, forgetting the least recently
 * used first: a memo a long-running server keeps without growing without end.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly capacity: number;

  constructor(capacity: number) {
    super();
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
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
    super.delete(key);
    super.set(key, value);
    while (this.size > this.capacity) super.delete(this.keys().next().value as K);
    return this;
  }
}
