export * from './wait-for';
export * from './redis-prefix';
export * from './process-harness';
export * from './redis-server';
export * from './in-memory';
export * from './redis-cluster';
