export * from './wait-for';
export * from './redis-prefix';
export * from './process-harness';
