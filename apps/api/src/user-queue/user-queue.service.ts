import { Inject, Injectable } from '@nestjs/common';
import { forbidden, formatMicros, invalid, notFound, parseKey, parseSince, parseTimestamp } from '@push/domain';
import type { Message, MessageStore, StoredMessage } from '@push/domain';
import { MESSAGE_STORE } from '@push/redis';
import { blankToUndefined } from '../common/input-validation';
import { QueueUrls } from '../common/queue-urls';
import { TokenService } from '../token/token.service';
import { HistoryQueryDto } from './dto/history-query.dto';
import { LastSeenDto } from './dto/last-seen.dto';
import { MarkReadDto } from './dto/mark-read.dto';

/** Messages returned when the client does not say how many. */
export const DEFAULT_HISTORY_LIMIT = 20;
/** Most messages one history read returns; a larger limit is clamped to it. */
export const MAX_HISTORY_LIMIT = 100;

/** The answer of `GET /queue/<user queue>/`. */
export interface History {
  readonly messages: Message[];
  readonly last_seen: string | null;
}

/** The limit rule: default when absent, at least 1, clamped to the maximum. */
export function historyLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_HISTORY_LIMIT;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1) throw invalid('limit', 'must be a positive integer');
  return Math.min(n, MAX_HISTORY_LIMIT);
}

/** A user queue as its own token sees it: history, last_seen, read markers. */
@Injectable()
export class UserQueueService {
  constructor(
    private readonly tokens: TokenService,
    @Inject(MESSAGE_STORE) private readonly messages: MessageStore,
  ) {}

  /** Oldest first: the newest `limit` without since, else the first `limit` from since. */
  async history(token: string | undefined, userQueueId: string, query: HistoryQueryDto): Promise<History> {
    await this.tokens.authorize(token, userQueueId);
    const sinceText = blankToUndefined(query.since);
    const since = sinceText === undefined ? null : parseSince(sinceText);
    const limit = historyLimit(blankToUndefined(query.limit));
    const [messages, lastSeen] = await Promise.all([this.messages.history(userQueueId, since, limit), this.messages.getLastSeen(userQueueId)]);
    return { messages, last_seen: lastSeen };
  }

  /** Records the client's last_seen, normalised to `<sec>.<6 digits>`; returns it. */
  async setLastSeen(token: string | undefined, userQueueId: string, input: LastSeenDto): Promise<string> {
    await this.tokens.authorize(token, userQueueId);
    const micros = parseTimestamp(input.timestamp.trim());
    if (micros === null) throw invalid('timestamp', 'must be seconds since the epoch, e.g. "1764260000.123456"');
    const lastSeen = formatMicros(micros);
    await this.messages.setLastSeen(userQueueId, lastSeen);
    return lastSeen;
  }

  /** Appends and routes a read marker for a notification of this user queue. */
  async markRead(token: string | undefined, userQueueId: string, input: MarkReadDto, urls: QueueUrls): Promise<StoredMessage> {
    await this.tokens.authorize(token, userQueueId);
    if (input.action !== 'read') throw forbidden('only action=read may be posted to a user queue; publishing goes through push URLs');
    const key = blankToUndefined(input.key);
    if (key === undefined) throw invalid('key', 'is required with action=read');
    if (parseKey(key) === null) throw invalid('key', 'must be a message key (<ms>-<seq>)');
    const marker = await this.messages.markRead(userQueueId, key, urls.userQueue(userQueueId));
    if (marker === null) throw notFound(`no notification with key ${key} in this user queue`);
    return marker;
  }
}
