import { collapseReplaced, ReplayEntry } from './replay.rules';

interface Entry extends ReplayEntry {
  readonly key: string;
}

const A = 'https://push.test/queue/a/';
const B = 'https://push.test/queue/b/';
const USER_QUEUE = 'https://push.test/queue/0123456789abcdef0123456789abcdef/';

const e = (key: string, queue: string, replaceId?: string): Entry => ({ key, queue, ...(replaceId !== undefined ? { replaceId } : {}) });
const keys = (entries: readonly Entry[]) => entries.map((x) => x.key);

describe('collapseReplaced', () => {
  it('keeps only the newest message per (push URL, replaceId), in its own place', () => {
    const entries = [e('1', A, 'inbox'), e('2', A), e('3', A, 'inbox'), e('4', A, 'other'), e('5', A, 'inbox'), e('6', A)];
    expect(keys(collapseReplaced(entries))).toEqual(['2', '4', '5', '6']);
  });

  it('keeps every message without a replaceId', () => {
    const entries = [e('1', A), e('2', A), e('3', B), e('4', A)];
    expect(collapseReplaced(entries)).toEqual(entries);
  });

  it('keeps every read marker', () => {
    const entries = [e('1', A, 'x'), e('2', USER_QUEUE), e('3', USER_QUEUE), e('4', A, 'x')];
    expect(keys(collapseReplaced(entries))).toEqual(['2', '3', '4']);
  });

  it('groups by push URL: one replaceId on two sites is two groups', () => {
    const entries = [e('1', A, 'inbox'), e('2', B, 'inbox'), e('3', A, 'inbox'), e('4', B, 'inbox'), e('5', A, 'news')];
    expect(keys(collapseReplaced(entries))).toEqual(['3', '4', '5']);
  });

  it('treats an empty replaceId as a group of its own (it was given)', () => {
    const entries = [e('1', A, ''), e('2', A, ''), e('3', A)];
    expect(keys(collapseReplaced(entries))).toEqual(['2', '3']);
  });

  it('does not confuse a queue and replaceId pair that concatenate alike', () => {
    const entries = [e('1', 'q', 'ab'), e('2', 'qa', 'b')];
    expect(keys(collapseReplaced(entries))).toEqual(['1', '2']);
  });

  it('returns the same objects, a new array, and leaves the input alone', () => {
    const entries = [e('1', A, 'x'), e('2', A, 'x')];
    const copy = [...entries];
    const out = collapseReplaced(entries);
    expect(out[0]).toBe(entries[1]);
    expect(entries).toEqual(copy);
    expect(collapseReplaced([])).toEqual([]);
  });
});
