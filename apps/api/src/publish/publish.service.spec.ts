import { DomainError, MessageStore, PushUrlCodec, StoredMessage } from '@push/domain';
import { frameOf } from '@push/redis';
import { inMemoryPorts } from '@push/testing';
import { QueueUrls } from '../common/queue-urls';
import { parseInput } from '../common/input-validation';
import { PublishDto } from './dto/publish.dto';
import { PublishService } from './publish.service';

const UQ = '0123456789abcdef0123456789abcdef';
const urls = new QueueUrls('https://push.test');

/** Counts store calls, to hold the publish path to one store operation. */
function counting(store: MessageStore): { store: MessageStore; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

async function setup() {
  const ports = inMemoryPorts();
  const codec = new PushUrlCodec('s'.repeat(32));
  const id = await ports.pushUrls.findOrCreate(UQ, 'a.test', codec.seal(UQ));
  const { store, calls } = counting(ports.messages);
  const service = new PublishService(codec, store);
  const publish = async (body: unknown, pushUrlId = id): Promise<StoredMessage> => service.publish(pushUrlId, parseInput(PublishDto, body), urls);
  return { ...ports, codec, id, calls, publish };
}

async function errorOf(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(() => null, (e: unknown) => e);
  if (!(err instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(err)}`);
  return err;
}

describe('PublishService', () => {
  it('stores the kept fields and returns the frame the store built, in one store call', async () => {
    const { publish, id, calls, messages, clock } = await setup();
    clock.set(1_764_260_000_123.456);
    const m = await publish({ title: 't', body: 'b', actionUrl: 'https://example.com/a', replaceId: 'r', extra: 'ignored', token: 'x' });
    expect(calls).toEqual(['publish']);
    expect(m.key).toBe('1764260000123-456');
    expect(m.frame).toBe(frameOf(m.key, m.timestamp, `https://push.test/queue/${id}/`, '{"title":"t","body":"b","actionUrl":"https://example.com/a","replaceId":"r"}'));
    const [replayed] = await messages.readAfter(UQ, '0-0', 1);
    expect(replayed.replaceId).toBe('r');
  });

  it('treats blank optional form fields as absent', async () => {
    const { publish } = await setup();
    const m = await publish({ title: 't', body: '', actionUrl: '', replaceId: '' });
    expect(JSON.parse(m.frame).body).toEqual({ title: 't' });
  });

  it('refuses a missing, empty or non-string title, naming the field', async () => {
    const { publish } = await setup();
    expect((await errorOf(publish({}))).message).toBe('title is required');
    expect((await errorOf(publish({ title: '' }))).message).toBe('title must not be empty');
    expect((await errorOf(publish({ title: 5 }))).message).toBe('title must be a string');
    expect((await errorOf(publish({ title: 't', body: ['a'] }))).message).toBe('body must be a string');
    expect((await errorOf(publish({ title: 'x'.repeat(1025) }))).code).toBe('invalid_input');
  });

  it('refuses an actionUrl that is not absolute http(s)', async () => {
    const { publish } = await setup();
    for (const actionUrl of ['javascript:alert(1)', 'data:text/html,hi', '/relative', 'ftp://x.test/']) {
      const err = await errorOf(publish({ title: 't', actionUrl }));
      expect([err.code, err.field]).toEqual(['invalid_input', 'actionUrl']);
    }
  });

  it('refuses a notification over 4 KiB as too large, and stores nothing', async () => {
    const { publish, messages } = await setup();
    expect((await errorOf(publish({ title: 't', body: 'é'.repeat(2100) }))).code).toBe('too_large');
    expect(await messages.lastKey(UQ)).toBeNull();
  });

  it('answers not found for an id it did not seal, a tampered one and a revoked one', async () => {
    const { publish, id, pushUrls, codec } = await setup();
    expect((await errorOf(publish({ title: 't' }, 'nope'))).code).toBe('not_found');
    expect((await errorOf(publish({ title: 't' }, `${id.slice(0, 30)}${id[30] === 'A' ? 'B' : 'A'}${id.slice(31)}`))).code).toBe('not_found');
    expect((await errorOf(publish({ title: 't' }, codec.seal(UQ)))).code).toBe('not_found');
    await pushUrls.revoke(UQ, id);
    expect((await errorOf(publish({ title: 't' }))).code).toBe('not_found');
  });
});
