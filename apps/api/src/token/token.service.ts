import { Inject, Injectable } from '@nestjs/common';
import { forbidden, hashToken, isTokenShaped, newToken, newUserQueueId, unauthenticated } from '@push/domain';
import type { ClientStore } from '@push/domain';
import { CLIENT_STORE } from '@push/redis';

/** A new client: its secret token (shown once) and its user queue id. */
export interface NewClient {
  readonly token: string;
  readonly userQueueId: string;
}

/** Clients and their tokens: creation, and who a token is. Only the token's SHA-256 is ever stored. */
@Injectable()
export class TokenService {
  constructor(@Inject(CLIENT_STORE) private readonly clients: ClientStore) {}

  async createClient(): Promise<NewClient> {
    const client = { token: newToken(), userQueueId: newUserQueueId() };
    await this.clients.createClient(hashToken(client.token), client.userQueueId);
    return client;
  }

  /** The user queue of a token; unauthenticated when it is missing, malformed or unknown. */
  async authenticate(token: string | undefined): Promise<string> {
    if (token === undefined) throw unauthenticated('token is missing: send it as X-Auth-Token');
    // a malformed token cannot be known: no need to ask Redis
    const userQueueId = isTokenShaped(token) ? await this.clients.findUserQueue(hashToken(token)) : null;
    if (userQueueId === null) throw unauthenticated('token is not valid');
    return userQueueId;
  }

  /** Passes when the token owns the user queue; unauthenticated or forbidden otherwise. */
  async authorize(token: string | undefined, userQueueId: string): Promise<void> {
    if ((await this.authenticate(token)) !== userQueueId) throw forbidden('this token does not own the user queue');
  }
}
