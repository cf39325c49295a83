export * from './message-store.contract';
export * from './push-url-store.contract';
export * from './client-store.contract';
export * from './node-registry.contract';
