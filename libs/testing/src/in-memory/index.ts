export * from './manual.clock';
export * from './in-memory-client.store';
export * from './in-memory-push-url.store';
export * from './in-memory-message.store';
export * from './in-memory-node.registry';
export * from './in-memory.ports';
