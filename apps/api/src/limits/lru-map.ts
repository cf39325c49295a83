/**
 * A Map that holds at most `capacity` entries, forgetting the least recently used one first (a Map
 * iterates in insertion order, so re-inserting on use keeps the oldest first). Memory is bounded
 * whatever addresses arrive; forgetting an address resets its limits, which is the price of the bound.
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error(`LruMap capacity must be at least 1, got ${capacity}`);
  }

  /** Entries held now. */
  get size(): number {
    return this.entries.size;
  }

  /** The value, marking the entry as just used. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** Stores the value as the most recently used, forgetting the least recently used entry when full. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
