export * from './tokens';
export * from './hot-metrics';
export * from './push-metrics';
export * from './json-logger';
export * from './readiness';
export * from './redis-rtt.probe';
export * from './metrics.controller';
export * from './observability.module';
