/**
 * @push/client when the gateway cannot replay everything: with STREAM_MAX_LEN=5 the messages after the
 * client's last key are trimmed while it is away, the hello says `recovered: false`, and the client
 * reloads the history over HTTP, hands out what is still stored exactly once, then goes live. The last
 * key survives the "restart" in fileStorage.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PushClient, createToken, fileStorage, publish } from '@push/client';
import { AppProcess, deletePrefix, startApp, uniquePrefix } from '@push/testing';
import { Recorder, baseEnv, recordingFetch } from './sdk.support';

jest.setTimeout(60_000);

const STREAM_MAX_LEN = 5;

describe('@push/client resume after the stream was trimmed', () => {
  const prefix = uniquePrefix('sdk-recovery');
  let api: AppProcess;
  let gateway: AppProcess;
  let dir: string;
  const recorders: Recorder[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'push-sdk-'));
    const env = baseEnv(prefix, { STREAM_MAX_LEN: String(STREAM_MAX_LEN) });
    [api, gateway] = await Promise.all([startApp('api', { env }), startApp('gateway', { env })]);
  });

  afterEach(() => {
    for (const r of recorders.splice(0)) r.conn.close();
  });

  afterAll(async () => {
    await Promise.all([api, gateway].filter(Boolean).map((p) => p.stop()));
    await deletePrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reloads the history over HTTP on recovered:false and hands each stored message out once', async () => {
    const { token, queue } = await createToken(api.url);
    const storagePath = join(dir, 'client-state.json');

    // first run: two messages, then the client goes away
    const first = new PushClient({ api: api.url, token, queue, storage: fileStorage(storagePath) });
    const pushUrl = await first.createPushUrl('trim.example');
    const rec1 = new Recorder(first.connect());
    recorders.push(rec1);
    await rec1.waitState('connected');
    const early = [await publish(pushUrl, { title: 'early 0' }), await publish(pushUrl, { title: 'early 1' })];
    await rec1.waitMessages(2);
    rec1.conn.close();
    expect(Object.values(JSON.parse(readFileSync(storagePath, 'utf8')) as Record<string, string>)).toEqual([early[1].key]);

    // while it is away, more than the stream keeps: its last key is trimmed
    const away: string[] = [];
    for (let i = 0; i < 12; i++) away.push((await publish(pushUrl, { title: `away ${i}` })).key);
    const stillStored = away.slice(-STREAM_MAX_LEN);

    // second run, as after a restart: a new client on the same storage file
    const recording = recordingFetch();
    const second = new PushClient({ api: api.url, token, queue, storage: fileStorage(storagePath), fetch: recording.fetch });
    const rec2 = new Recorder(second.connect());
    recorders.push(rec2);
    await rec2.waitState('connected');
    expect(recording.requests).toContain(`GET ${queue}?since=${early[1].key}&limit=100`);
    expect(rec2.keys).toEqual(stillStored);

    const live = await publish(pushUrl, { title: 'live' });
    await rec2.waitMessages(STREAM_MAX_LEN + 1);
    expect(rec2.keys).toEqual([...stillStored, live.key]);
    expect(rec2.errors).toEqual([]);
  });
});
