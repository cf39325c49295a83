import { parseKey, parseSince, timestampFromKey } from '@push/domain';
import { frameOf } from '@push/redis';
import { inMemoryPorts } from './in-memory.ports';

const UQ = '0123456789abcdef0123456789abcdef';
const URL_A = 'https://push.test/queue/a/';

async function setup(retention = { maxLen: 1000 }) {
  const ports = inMemoryPorts({ retention });
  const id = await ports.pushUrls.findOrCreate(UQ, 'a.test', 'push-a');
  const publish = (title: string, replaceId?: string) =>
    ports.messages.publish(UQ, id, URL_A, JSON.stringify({ title, ...(replaceId ? { replaceId } : {}) }), replaceId);
  return { ...ports, id, publish };
}

describe('InMemoryMessageStore', () => {
  it('stamps from the clock in microseconds, strictly increasing when the clock stands still', async () => {
    const { clock, publish } = await setup();
    clock.set(1_764_260_000_123.456);
    const a = await publish('one');
    const b = await publish('two');
    expect(a).toMatchObject({ key: '1764260000123-456', timestamp: '1764260000.123456' });
    expect(b).toMatchObject({ key: '1764260000123-457', timestamp: '1764260000.123457' });
  });

  it('never goes back when the clock does', async () => {
    const { clock, publish } = await setup();
    clock.set(2_000_000);
    const a = await publish('one');
    clock.set(1_000_000);
    const b = await publish('two');
    expect(parseKey(b!.key)!.ms * 1000 + parseKey(b!.key)!.seq).toBe(parseKey(a!.key)!.ms * 1000 + parseKey(a!.key)!.seq + 1);
  });

  it('builds the frame as the publish script does', async () => {
    const { publish, messages } = await setup();
    const got: string[] = [];
    messages.subscribe(UQ, (f) => got.push(f));
    const m = await publish('hi', 'r1');
    expect(m!.frame).toBe(frameOf(m!.key, m!.timestamp, URL_A, '{"title":"hi","replaceId":"r1"}'));
    expect(got).toEqual([m!.frame]);
    const [replayed] = await messages.readAfter(UQ, '0-0', 10);
    expect(replayed).toEqual({ key: m!.key, timestamp: m!.timestamp, frame: m!.frame, queue: URL_A, replaceId: 'r1' });
  });

  it('refuses a push URL that is not live', async () => {
    const { messages, pushUrls, id, publish } = await setup();
    expect(await messages.publish(UQ, 'other', URL_A, '{"title":"x"}')).toBeNull();
    await pushUrls.revoke(UQ, id);
    expect(await publish('x')).toBeNull();
    expect(await messages.lastKey(UQ)).toBeNull();
  });

  it('keeps the newest maxLen messages', async () => {
    const { messages, publish } = await setup({ maxLen: 3 });
    for (let i = 0; i < 5; i++) await publish(`m${i}`);
    const all = await messages.history(UQ, null, 100);
    expect(all.map((m) => (m.body as { title: string }).title)).toEqual(['m2', 'm3', 'm4']);
  });

  it('reads history: newest limit without since, inclusive timestamp, exclusive key', async () => {
    const { clock, messages, publish } = await setup();
    const stored = [];
    for (let i = 0; i < 5; i++) {
      stored.push((await publish(`m${i}`))!);
      clock.advance(10);
    }
    expect((await messages.history(UQ, null, 2)).map((m) => m.key)).toEqual([stored[3].key, stored[4].key]);
    expect((await messages.history(UQ, parseSince(stored[2].timestamp), 10)).map((m) => m.key)).toEqual(stored.slice(2).map((s) => s.key));
    expect((await messages.history(UQ, parseSince(stored[2].key), 2)).map((m) => m.key)).toEqual([stored[3].key, stored[4].key]);
    const [first] = await messages.history(UQ, null, 5);
    expect(first).toEqual({ key: stored[0].key, timestamp: timestampFromKey(parseKey(stored[0].key)!), queue: URL_A, body: { title: 'm0' } });
  });

  it('marks a notification read, but not a read marker or an unknown key', async () => {
    const { messages, publish } = await setup();
    const m = (await publish('one'))!;
    const marker = await messages.markRead(UQ, m.key, 'https://push.test/queue/uq/');
    expect(marker!.frame).toBe(frameOf(marker!.key, marker!.timestamp, 'https://push.test/queue/uq/', JSON.stringify({ read: m.key })));
    expect(await messages.markRead(UQ, marker!.key, 'u')).toBeNull();
    expect(await messages.markRead(UQ, '1-0', 'u')).toBeNull();
  });

  it('replays after a stored key as recovered, and reports trimmed, unknown or future starts', async () => {
    const { clock, messages, publish } = await setup({ maxLen: 3 });
    const a = (await publish('a'))!;
    const b = (await publish('b'))!;
    const r1 = await messages.replay(UQ, parseSince(a.key));
    expect(r1).toMatchObject({ recovered: true, messages: [{ key: b.key }] });
    const c = (await publish('c'))!;
    await publish('d'); // trims a: resuming after a loses nothing
    expect((await messages.replay(UQ, parseSince(a.key))).recovered).toBe(true);
    await publish('e'); // trims b
    expect((await messages.replay(UQ, parseSince(a.key))).recovered).toBe(false);
    expect((await messages.replay(UQ, parseSince(b.key))).recovered).toBe(true);
    expect((await messages.replay(UQ, parseSince(c.key))).messages.map((m) => m.key)).toHaveLength(2);
    clock.advance(1); // the stamps ran ahead of the frozen clock; a timestamp after "now" counts as the future
    expect((await messages.replay(UQ, parseSince(b.timestamp))).recovered).toBe(false);
    expect((await messages.replay(UQ, parseSince(c.timestamp))).recovered).toBe(true);
    expect((await messages.replay(UQ, parseSince('5-0'))).recovered).toBe(false);
    expect((await messages.replay(UQ, parseSince(String(clock.nowMs() / 1000 + 60)))).recovered).toBe(false);
  });

  it('keeps last_seen per user queue', async () => {
    const { messages } = await setup();
    expect(await messages.getLastSeen(UQ)).toBeNull();
    await messages.setLastSeen(UQ, '1764260000.000001');
    expect(await messages.getLastSeen(UQ)).toBe('1764260000.000001');
  });
});

describe('InMemoryPushUrlStore', () => {
  it('keeps one live push URL per domain until it is revoked', async () => {
    const { pushUrls } = inMemoryPorts();
    expect(await pushUrls.findOrCreate(UQ, 'a.test', 'id1')).toBe('id1');
    expect(await pushUrls.findOrCreate(UQ, 'a.test', 'id2')).toBe('id1');
    expect(await pushUrls.list(UQ)).toEqual({ 'a.test': 'id1' });
    expect(await pushUrls.revoke(UQ, 'id1')).toBe(true);
    expect(await pushUrls.revoke(UQ, 'id1')).toBe(false);
    expect(await pushUrls.findOrCreate(UQ, 'a.test', 'id3')).toBe('id3');
  });
});

describe('InMemoryClientStore and InMemoryNodeRegistry', () => {
  it('refuses to overwrite a client and refreshes nodes in place', async () => {
    const { clients, nodes } = inMemoryPorts();
    await clients.createClient('h', UQ);
    await expect(clients.createClient('h', UQ)).rejects.toThrow('collision');
    expect(await clients.findUserQueue('h')).toBe(UQ);
    expect(await clients.findUserQueue('x')).toBeNull();
    await nodes.heartbeat({ nodeId: 'n1', address: 'a:1', connections: 1, heartbeatAtMs: 1 });
    await nodes.heartbeat({ nodeId: 'n2', address: 'b:1', connections: 0, heartbeatAtMs: 1 });
    await nodes.heartbeat({ nodeId: 'n1', address: 'a:1', connections: 5, heartbeatAtMs: 2 });
    expect(await nodes.list()).toEqual([
      { nodeId: 'n1', address: 'a:1', connections: 5, heartbeatAtMs: 2 },
      { nodeId: 'n2', address: 'b:1', connections: 0, heartbeatAtMs: 1 },
    ]);
    expect(await nodes.remove('n1')).toBe(true);
    expect(await nodes.remove('n1')).toBe(false);
  });
});
