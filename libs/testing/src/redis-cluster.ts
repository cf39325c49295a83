import { Cluster, Redis } from 'ioredis';
import { TestRedisServer } from './redis-server';
import { waitFor } from './wait-for';

/** Hash slots of a Redis Cluster. */
const CLUSTER_SLOTS = 16_384;

/** redis-server options of a cluster node (its nodes.conf in the server's own temp dir). */
const CLUSTER_ARGS = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'];

/**
 * A Redis Cluster of a test's own: `masters` TestRedisServers in cluster mode (free ports, nothing kept
 * on disk, no replicas), the hash slots split evenly between them. Started and killed by PID; never the
 * machine's shared Redis.
 */
export class TestRedisCluster {
  private constructor(private readonly servers: readonly TestRedisServer[]) {}

  /** Starts the servers (with `extraArgs` besides cluster mode), joins them and waits until every one reports `cluster_state:ok`. */
  static async start(masters = 3, extraArgs: readonly string[] = []): Promise<TestRedisCluster> {
    const started = await Promise.allSettled(Array.from({ length: masters }, () => TestRedisServer.start(false, [...CLUSTER_ARGS, ...extraArgs])));
    const cluster = new TestRedisCluster(started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])));
    try {
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      await cluster.join();
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  /** The seed list Push takes as REDIS_URL for a cluster: every master, comma-separated. */
  get url(): string {
    return this.servers.map((s) => s.url).join(',');
  }

  get ports(): number[] {
    return this.servers.map((s) => s.port);
  }

  /** A connection of the test to one master (the caller disconnects it). */
  async master(port: number): Promise<Redis> {
    return this.serverOn(port).admin();
  }

  /** The port of the master that holds `key`'s slot (asked of a server that is running). */
  async masterOf(key: string): Promise<number> {
    const server = this.servers.find((s) => s.pid > 0);
    if (!server) throw new Error('no server of the cluster is running');
    const redis = await server.admin();
    try {
      const slot = Number(await redis.call('CLUSTER', 'KEYSLOT', key));
      const ranges = (await redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`no master holds slot ${slot}`);
      return range[2][1];
    } finally {
      redis.disconnect();
    }
  }

  /** Sends `signal` to one master (by its PID): SIGSTOP / SIGCONT to hang and resume it. */
  signal(port: number, signal: NodeJS.Signals): void {
    process.kill(this.serverOn(port).pid, signal);
  }

  /** `kill -9` of one master; resolves once it has exited (its slots stay uncovered: there are no replicas). */
  async kill9(port: number): Promise<void> {
    await this.serverOn(port).kill9();
  }

  /** A cluster client of the test (the caller disconnects it). */
  async client(): Promise<Cluster> {
    const cluster = new Cluster(
      this.servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
      { lazyConnect: true },
    );
    await cluster.connect();
    return cluster;
  }

  /** Kills every server (by PID) and deletes their dirs. */
  async destroy(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.destroy()));
  }

  private serverOn(port: number): TestRedisServer {
    const server = this.servers.find((s) => s.port === port);
    if (!server) throw new Error(`no master on port ${port}`);
    return server;
  }

  /** Gives each master an even share of the slots and makes them meet. */
  private async join(): Promise<void> {
    const per = Math.ceil(CLUSTER_SLOTS / this.servers.length);
    const admins = await Promise.all(this.servers.map((s) => s.admin()));
    try {
      await Promise.all(
        admins.map((admin, i) => admin.call('CLUSTER', 'ADDSLOTSRANGE', String(i * per), String(Math.min(CLUSTER_SLOTS, (i + 1) * per) - 1))),
      );
      for (const s of this.servers.slice(1)) await admins[0].call('CLUSTER', 'MEET', '127.0.0.1', String(s.port));
      await waitFor(
        async () => {
          for (const admin of admins) {
            const info = String(await admin.call('CLUSTER', 'INFO'));
            if (!info.includes('cluster_state:ok') || !info.includes(`cluster_known_nodes:${this.servers.length}`)) return false;
          }
          return true;
        },
        20_000,
        'cluster_state:ok on every master',
        50,
      );
    } finally {
      for (const admin of admins) admin.disconnect();
    }
  }
}
