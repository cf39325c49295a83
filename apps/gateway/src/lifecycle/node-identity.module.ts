import { randomBytes } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import { PUSH_CONFIG, PushConfig } from '@push/config';
import { KeySchema, REDIS_CONNECTION_NAME } from '@push/redis';

/** Injection token of this process's node id: 8 random hex characters, new at every start. */
export const NODE_ID = Symbol('NODE_ID');

/** The node's identity, and the CLIENT SETNAME of all its Redis connections (global so RedisModule sees it). */
@Global()
@Module({
  providers: [
    { provide: NODE_ID, useFactory: (): string => randomBytes(4).toString('hex') },
    {
      provide: REDIS_CONNECTION_NAME,
      inject: [NODE_ID, PUSH_CONFIG],
      useFactory: (nodeId: string, config: PushConfig): string => new KeySchema(config.keyPrefix).nodeClientName(nodeId),
    },
  ],
  exports: [NODE_ID, REDIS_CONNECTION_NAME],
})
export class NodeIdentityModule {}
