/** What a replay needs to know of a stored entry to apply the replaceId rule. */
export interface ReplayEntry {
  /** The push URL (or user queue URL for a read marker). */
  readonly queue: string;
  /** The notification's replaceId, absent for messages without one and for read markers. */
  readonly replaceId?: string;
}

/**
 * The replaceId rule of a resume: of the messages missed, only the newest per (push URL, replaceId)
 * is sent, in its own place in key order; messages without replaceId and read markers all are.
 * Entries must be in key order; the result keeps that order.
 */
export function collapseReplaced<T extends ReplayEntry>(entries: readonly T[]): T[] {
  const seen = new Set<string>();
  const kept: T[] = [];
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (e.replaceId !== undefined) {
      const group = `${e.queue}\n${e.replaceId}`;
      if (seen.has(group)) continue;
      seen.add(group);
    }
    kept.push(e);
  }
  return kept.reverse();
}
