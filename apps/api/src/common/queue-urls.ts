import { Inject, Injectable } from '@nestjs/common';
import { PUSH_CONFIG } from '@push/config';
import type { PushConfig } from '@push/config';
import { invalid } from '@push/domain';
import type { FastifyRequest } from 'fastify';

const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253})|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** Absolute URLs of user queues and push URLs under one base (no trailing slash). */
export class QueueUrls {
  constructor(readonly base: string) {}

  /** `<base>/queue/<user queue id>/` */
  userQueue(userQueueId: string): string {
    return `${this.base}/queue/${userQueueId}/`;
  }

  /** `<base>/queue/<push URL id>/` */
  pushUrl(pushUrlId: string): string {
    return `${this.base}/queue/${pushUrlId}/`;
  }
}

/** Picks the base of returned URLs: PUBLIC_URL, else the request's protocol and Host header. */
@Injectable()
export class QueueUrlBuilder {
  constructor(@Inject(PUSH_CONFIG) private readonly config: PushConfig) {}

  forRequest(req: Pick<FastifyRequest, 'protocol' | 'headers'>): QueueUrls {
    if (this.config.publicUrl !== null) return new QueueUrls(this.config.publicUrl);
    const host = req.headers.host;
    // the Host header ends up in URLs handed to websites: only a plain host[:port] may
    if (host === undefined || !HOST_RE.test(host)) throw invalid('Host', 'header must be host[:port] (or set PUBLIC_URL)');
    return new QueueUrls(`${req.protocol}://${host}`);
  }
}
