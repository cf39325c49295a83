import { DomainError, PushUrlCodec } from '@push/domain';
import { inMemoryPorts } from '@push/testing';
import { parseInput } from '../common/input-validation';
import { QueueUrls } from '../common/queue-urls';
import { TokenService } from '../token/token.service';
import { HistoryQueryDto } from './dto/history-query.dto';
import { LastSeenDto } from './dto/last-seen.dto';
import { MarkReadDto } from './dto/mark-read.dto';
import { historyLimit, MAX_HISTORY_LIMIT, UserQueueService } from './user-queue.service';

const urls = new QueueUrls('https://push.test');

async function setup() {
  const ports = inMemoryPorts();
  const tokens = new TokenService(ports.clients);
  const service = new UserQueueService(tokens, ports.messages);
  const alice = await tokens.createClient();
  const bob = await tokens.createClient();
  const pushUrlId = await ports.pushUrls.findOrCreate(alice.userQueueId, 'a.test', new PushUrlCodec('s'.repeat(32)).seal(alice.userQueueId));
  const publish = async (n: number) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      out.push((await ports.messages.publish(alice.userQueueId, pushUrlId, urls.pushUrl(pushUrlId), JSON.stringify({ title: `m${i}` })))!);
      ports.clock.advance(7);
    }
    return out;
  };
  const history = async (query: Record<string, unknown>, token = alice.token) => service.history(token, alice.userQueueId, parseInput(HistoryQueryDto, query));
  const markRead = async (input: Record<string, unknown>, token = alice.token) => service.markRead(token, alice.userQueueId, parseInput(MarkReadDto, input), urls);
  return { ...ports, service, alice, bob, publish, history, markRead };
}

async function errorOf(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(() => null, (e: unknown) => e);
  if (!(err instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(err)}`);
  return err;
}

describe('historyLimit', () => {
  it('defaults to 20, clamps to 100 and refuses zero', () => {
    expect(historyLimit(undefined)).toBe(20);
    expect(historyLimit('5')).toBe(5);
    expect(historyLimit('101')).toBe(MAX_HISTORY_LIMIT);
    expect(historyLimit('99999999999999999999999')).toBe(MAX_HISTORY_LIMIT);
    expect(() => historyLimit('0')).toThrow('limit must be a positive integer');
  });
});

describe('UserQueueService', () => {
  it('reads the newest messages without since, oldest first, with last_seen', async () => {
    const { publish, history, service, alice } = await setup();
    const stored = await publish(25);
    const page = await history({});
    expect(page.messages.map((m) => m.key)).toEqual(stored.slice(5).map((s) => s.key));
    expect(page.last_seen).toBeNull();
    await service.setLastSeen(alice.token, alice.userQueueId, parseInput(LastSeenDto, { timestamp: stored[3].timestamp }));
    expect((await history({ limit: '2' })).last_seen).toBe(stored[3].timestamp);
  });

  it('pages forward from since: a timestamp is inclusive, a key exclusive', async () => {
    const { publish, history } = await setup();
    const stored = await publish(6);
    expect((await history({ since: stored[2].timestamp })).messages.map((m) => m.key)).toEqual(stored.slice(2).map((s) => s.key));
    expect((await history({ since: stored[2].key, limit: '2' })).messages.map((m) => m.key)).toEqual([stored[3].key, stored[4].key]);
    expect((await history({ since: '', limit: '' })).messages).toHaveLength(6);
  });

  it('refuses a bad since or limit, naming the field', async () => {
    const { history } = await setup();
    for (const limit of ['0', '-1', '1.5', 'abc', ['1', '2']]) expect((await errorOf(history({ limit }))).field).toBe('limit');
    for (const since of ['abc', '1-', '-5', ['1', '2']]) expect((await errorOf(history({ since }))).field).toBe('since');
  });

  it('checks the token before anything else', async () => {
    const { history, bob } = await setup();
    expect((await errorOf(history({}, bob.token))).code).toBe('forbidden');
    expect((await errorOf(history({ limit: '0' }, 'x'.repeat(43)))).code).toBe('unauthenticated');
  });

  it('normalises and stores last_seen, refusing what is not a timestamp', async () => {
    const { service, alice, bob } = await setup();
    const set = async (timestamp: unknown, token = alice.token) => service.setLastSeen(token, alice.userQueueId, parseInput(LastSeenDto, { timestamp }));
    await expect(set('1764260000.5')).resolves.toBe('1764260000.500000');
    await expect(set(1764260000.25)).resolves.toBe('1764260000.250000');
    await expect(set('1764260000')).resolves.toBe('1764260000.000000');
    for (const bad of ['soon', '-1', '', undefined]) expect((await errorOf(set(bad))).field).toBe('timestamp');
    expect((await errorOf(set('1', bob.token))).code).toBe('forbidden');
  });

  it('appends a read marker for a notification of the queue', async () => {
    const { publish, markRead, messages, alice } = await setup();
    const [m] = await publish(1);
    const marker = await markRead({ action: 'read', key: m.key });
    expect(JSON.parse(marker.frame)).toEqual({ key: marker.key, timestamp: marker.timestamp, queue: urls.userQueue(alice.userQueueId), body: { read: m.key } });
    expect(await messages.lastKey(alice.userQueueId)).toBe(marker.key);
  });

  it('refuses other actions (403), a missing or malformed key (400), an unknown key (404)', async () => {
    const { publish, markRead, bob } = await setup();
    const [m] = await publish(1);
    expect((await errorOf(markRead({ title: 'publish here?' }))).code).toBe('forbidden');
    expect((await errorOf(markRead({ action: 'delete', key: m.key }))).code).toBe('forbidden');
    expect((await errorOf(markRead({ action: 'read' }))).field).toBe('key');
    expect((await errorOf(markRead({ action: 'read', key: 'k' }))).field).toBe('key');
    expect((await errorOf(markRead({ action: 'read', key: '1-0' }))).code).toBe('not_found');
    expect((await errorOf(markRead({ action: 'read', key: m.key }, bob.token))).code).toBe('forbidden');
    expect((await errorOf(markRead({ action: 'read', key: m.key }, 'x'.repeat(43)))).code).toBe('unauthenticated');
  });
});
