import { clientStoreContract, messageStoreContract, nodeRegistryContract, pushUrlStoreContract } from './contracts';
import { inMemoryPorts } from './in-memory';

// The in-memory fakes must keep every promise the Redis adapters keep (test/integration/redis-adapters.spec.ts
// runs the same suites against Redis), so unit tests built on the fakes prove something about production.

messageStoreContract('in-memory', async (retention) => {
  const ports = inMemoryPorts({ retention });
  return {
    messages: ports.messages,
    pushUrls: ports.pushUrls,
    async listen(userQueueId) {
      const frames: string[] = [];
      const unsubscribe = ports.messages.subscribe(userQueueId, (frame) => frames.push(frame));
      return { frames, close: async () => unsubscribe() };
    },
    elapse: async (ms) => ports.clock.advance(ms),
    close: async () => undefined,
  };
});

pushUrlStoreContract('in-memory', async () => ({ pushUrls: inMemoryPorts().pushUrls, close: async () => undefined }));

clientStoreContract('in-memory', async () => ({ clients: inMemoryPorts().clients, close: async () => undefined }));

nodeRegistryContract('in-memory', async () => ({ nodes: inMemoryPorts().nodes, close: async () => undefined }));
