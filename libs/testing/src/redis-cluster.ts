import { Cluster, Redis } from 'ioredis';
import { TestRedisServer } from './redis-server';
import { waitFor } from './wait-for';

/** Hash slots of a Redis Cluster. */
const CLUSTER_SLOTS = 16_384;

/** redis-server options of a cluster node (its nodes.conf in the server's own temp dir). */
const CLUSTER_ARGS = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'];

/**
 * A Redis Cluster of a test's own: `masters` TestRedisServers in cluster mode (free ports, nothing kept
 * on disk; a replica each on request), the hash slots split evenly between the masters. Started and killed by PID; never the
 * machine's shared Redis.
 */
export class TestRedisCluster {
  private constructor(
    private readonly servers: readonly TestRedisServer[],
    /** One replica per master (same order) when started with `replicas`, else none. */
    private readonly replicaServers: readonly TestRedisServer[],
  ) {}

  /**
   * Starts the servers (with `extraArgs` besides cluster mode), joins them and waits until every one
   * reports `cluster_state:ok`; with `replicas`, each master gets one replica, in sync before this resolves.
   */
  static async start(masters = 3, extraArgs: readonly string[] = [], replicas = false): Promise<TestRedisCluster> {
    const count = replicas ? 2 * masters : masters;
    const started = await Promise.allSettled(Array.from({ length: count }, () => TestRedisServer.start(false, [...CLUSTER_ARGS, ...extraArgs])));
    const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const cluster = ok.length === count ? new TestRedisCluster(ok.slice(0, masters), ok.slice(masters)) : new TestRedisCluster(ok, []);
    try {
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      await cluster.join();
      if (replicas) await cluster.attachReplicas();
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

  /** The masters' ports (as started: a replica promoted by a failover is not among them). */
  get ports(): number[] {
    return this.servers.map((s) => s.port);
  }

  /** The replicas' ports, replicaPorts[i] replicating ports[i]. */
  get replicaPorts(): number[] {
    return this.replicaServers.map((s) => s.port);
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

  /** `kill -9` of one server; resolves once it has exited (a master's slots stay uncovered unless its replica takes over). */
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
    await Promise.all([...this.servers, ...this.replicaServers].map((s) => s.destroy()));
  }

  private serverOn(port: number): TestRedisServer {
    const server = [...this.servers, ...this.replicaServers].find((s) => s.port === port);
    if (!server) throw new Error(`no server on port ${port}`);
    return server;
  }

  /** Makes each replica server meet the cluster and replicate its master; waits until every link is up. */
  private async attachReplicas(): Promise<void> {
    const first = await this.servers[0].admin();
    const replicas = await Promise.all(this.replicaServers.map((s) => s.admin()));
    try {
      for (const r of this.replicaServers) await first.call('CLUSTER', 'MEET', '127.0.0.1', String(r.port));
      const total = this.servers.length + this.replicaServers.length;
      await waitFor(
        async () => {
          for (const r of replicas) if (!String(await r.call('CLUSTER', 'INFO')).includes(`cluster_known_nodes:${total}`)) return false;
          return true;
        },
        20_000,
        'every replica known to the cluster',
        50,
      );
      for (const [i, r] of replicas.entries()) {
        const masterAdmin = await this.servers[i].admin();
        try {
          await r.call('CLUSTER', 'REPLICATE', String(await masterAdmin.call('CLUSTER', 'MYID')));
        } finally {
          masterAdmin.disconnect();
        }
      }
      await waitFor(
        async () => {
          for (const r of replicas) {
            if (!String(await r.info('replication')).includes('master_link_status:up')) return false;
            if (!String(await r.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
          }
          return true;
        },
        20_000,
        'every replica in sync with its master',
        50,
      );
    } finally {
      first.disconnect();
      for (const r of replicas) r.disconnect();
    }
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
