import { Inject, Injectable } from '@nestjs/common';
import { normalizeNotification, notFound } from '@push/domain';
import type { MessageStore, PushUrlCodec, StoredMessage } from '@push/domain';
import { MESSAGE_STORE, PUSH_URL_CODEC } from '@push/redis';
import { blankToUndefined } from '../common/input-validation';
import { QueueUrls } from '../common/queue-urls';
import { PublishDto } from './dto/publish.dto';

/**
 * Publishing through a push URL. The hot path: the push URL id is opened in memory (it seals its user
 * queue id), and the store checks that it is live, appends, trims and routes in one Redis round trip.
 * No token is involved: knowing the push URL is the permission.
 */
@Injectable()
export class PublishService {
  constructor(
    @Inject(PUSH_URL_CODEC) private readonly codec: PushUrlCodec,
    @Inject(MESSAGE_STORE) private readonly messages: MessageStore,
  ) {}

  async publish(pushUrlId: string, input: PublishDto, urls: QueueUrls): Promise<StoredMessage> {
    const userQueueId = this.codec.open(pushUrlId);
    if (userQueueId === null) throw notFound('no such push URL');
    const { notification, json } = normalizeNotification({
      title: input.title,
      body: blankToUndefined(input.body),
      actionUrl: blankToUndefined(input.actionUrl),
      replaceId: blankToUndefined(input.replaceId),
    });
    const stored = await this.messages.publish(userQueueId, pushUrlId, urls.pushUrl(pushUrlId), json, notification.replaceId);
    // revoked and never-created ids look the same to a publisher
    if (stored === null) throw notFound('no such push URL');
    return stored;
  }
}
