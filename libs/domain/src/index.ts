export * from './errors';
export * from './message';
export * from './stream-key';
export * from './notification.rules';
export * from './identity';
export * from './replay.rules';
export * from './node.rules';
export * from './ports';
