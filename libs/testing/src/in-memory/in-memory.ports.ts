import { InMemoryClientStore } from './in-memory-client.store';
import { InMemoryMessageStore, InMemoryRetention } from './in-memory-message.store';
import { InMemoryNodeRegistry } from './in-memory-node.registry';
import { InMemoryPushUrlStore } from './in-memory-push-url.store';
import { ManualClock } from './manual.clock';

/** Every port as an in-memory fake, wired together as RedisModule wires the Redis adapters. */
export interface InMemoryPorts {
  readonly clock: ManualClock;
  readonly clients: InMemoryClientStore;
  readonly pushUrls: InMemoryPushUrlStore;
  readonly messages: InMemoryMessageStore;
  readonly nodes: InMemoryNodeRegistry;
}

/** New fakes sharing one ManualClock (or the clock given). */
export function inMemoryPorts(options: { clock?: ManualClock; retention?: InMemoryRetention } = {}): InMemoryPorts {
  const clock = options.clock ?? new ManualClock();
  const pushUrls = new InMemoryPushUrlStore();
  return {
    clock,
    clients: new InMemoryClientStore(),
    pushUrls,
    messages: new InMemoryMessageStore({ pushUrls, clock, retention: options.retention }),
    nodes: new InMemoryNodeRegistry(),
  };
}
