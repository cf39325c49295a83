/** Largest request body the API reads; a larger one is refused with 413 before it is read whole. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Deepest nesting of objects and arrays a JSON body may have. No route reads below the first level;
 * the limit keeps recursive walkers (class-transformer copies every nested value) far from the stack's
 * end: 10,000 levels fit in 64 KiB and overflowed it (a 500 before this limit).
 */
export const MAX_JSON_DEPTH = 32;

/** True when a parsed JSON value nests objects or arrays deeper than `maxDepth` (checked without recursion). */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > maxDepth) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
