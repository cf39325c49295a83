import type { ClientStore } from '@push/domain';
import { loadConfig } from '@push/config';
import type { DeliveryService } from '../delivery/delivery.service';
import type { ClientSocket } from './client-socket';
import { ConnectionService, PING_SLICES } from './connection.service';
import { SocketsPerAddress } from './sockets-per-address';

/** What the ping loop touches of a socket. */
interface PingedSocket {
  connectionId: number;
  alive: boolean;
  pings: number;
  terminated: boolean;
  ping(): void;
  terminate(): void;
}

function socket(connectionId: number): PingedSocket {
  return {
    connectionId,
    alive: true,
    pings: 0,
    terminated: false,
    ping() {
      this.pings++;
    },
    terminate() {
      this.terminated = true;
    },
  };
}

describe('ConnectionService pings', () => {
  const INTERVAL_MS = 2_500;
  let service: ConnectionService;
  let sockets: PingedSocket[];

  beforeEach(() => {
    jest.useFakeTimers();
    const config = loadConfig({ WS_PING_INTERVAL_MS: String(INTERVAL_MS) });
    service = new ConnectionService(config, {} as ClientStore, 'node-1', {} as DeliveryService, new SocketsPerAddress(config));
    sockets = Array.from({ length: 1_000 }, (_, i) => socket(i + 1));
    const held = (service as unknown as { sockets: Set<ClientSocket> }).sockets;
    for (const s of sockets) held.add(s as unknown as ClientSocket);
    service.startPinging();
  });

  afterEach(() => {
    service.onModuleDestroy();
    jest.useRealTimers();
  });

  it('pings each socket once per interval, a slice per tick rather than all at once', () => {
    const tickMs = INTERVAL_MS / PING_SLICES;
    const perTick: number[] = [];
    let before = 0;
    for (let t = 0; t < PING_SLICES; t++) {
      jest.advanceTimersByTime(tickMs);
      const total = sockets.reduce((n, s) => n + s.pings, 0);
      perTick.push(total - before);
      before = total;
      for (const s of sockets) s.alive = true; // every socket answers
    }
    expect(sockets.every((s) => s.pings === 1)).toBe(true);
    expect(Math.max(...perTick)).toBe(1_000 / PING_SLICES);
    jest.advanceTimersByTime(INTERVAL_MS);
    expect(sockets.every((s) => s.pings === 2 && !s.terminated)).toBe(true);
  });

  it('terminates a socket at its next ping when it did not answer the last, and only that one', () => {
    const silent = sockets[7] as PingedSocket;
    jest.advanceTimersByTime(INTERVAL_MS);
    for (const s of sockets) if (s !== silent) s.alive = true;
    expect(silent.terminated).toBe(false);
    jest.advanceTimersByTime(INTERVAL_MS);
    expect(silent.terminated).toBe(true);
    expect(silent.pings).toBe(1);
    expect(sockets.filter((s) => s.terminated)).toEqual([silent]);
  });
});
