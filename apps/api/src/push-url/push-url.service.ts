import { Inject, Injectable } from '@nestjs/common';
import { forbidden, isUserQueueId, normalizeDomain, notFound } from '@push/domain';
import type { PushUrlCodec, PushUrlStore } from '@push/domain';
import { PUSH_URL_CODEC, PUSH_URL_STORE } from '@push/redis';
import { QueueUrls } from '../common/queue-urls';
import { TokenService } from '../token/token.service';

/** Push URLs of a token: one live per domain, listed for syncing devices, revocable. */
@Injectable()
export class PushUrlService {
  constructor(
    private readonly tokens: TokenService,
    @Inject(PUSH_URL_STORE) private readonly pushUrls: PushUrlStore,
    @Inject(PUSH_URL_CODEC) private readonly codec: PushUrlCodec,
  ) {}

  /** The live push URL of the token for a domain; a new one (a fresh sealing of the user queue id) if there is none. */
  async create(token: string | undefined, domain: string, urls: QueueUrls): Promise<string> {
    const userQueueId = await this.tokens.authenticate(token);
    const site = normalizeDomain(domain);
    const id = await this.pushUrls.findOrCreate(userQueueId, site, this.codec.seal(userQueueId));
    return urls.pushUrl(id);
  }

  /** Live push URLs of the token by domain. */
  async list(token: string | undefined, urls: QueueUrls): Promise<Record<string, string>> {
    const userQueueId = await this.tokens.authenticate(token);
    const byDomain = await this.pushUrls.list(userQueueId);
    return Object.fromEntries(Object.entries(byDomain).map(([domain, id]) => [domain, urls.pushUrl(id)]));
  }

  /** Revokes one of the token's push URLs; another token's (or an unknown) one is not found, never forbidden. */
  async revoke(token: string | undefined, pushUrlId: string, urls: QueueUrls): Promise<string> {
    const userQueueId = await this.tokens.authenticate(token);
    if (isUserQueueId(pushUrlId)) throw forbidden('a user queue cannot be deleted; only push URLs can');
    if (this.codec.open(pushUrlId) !== userQueueId || !(await this.pushUrls.revoke(userQueueId, pushUrlId))) {
      throw notFound('no such push URL for this token');
    }
    return urls.pushUrl(pushUrlId);
  }

  /** True when an id was sealed by this service (live or revoked): it names a push URL, not a user queue. */
  isPushUrlId(id: string): boolean {
    return this.codec.open(id) !== null;
  }
}
