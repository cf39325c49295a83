import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { freePort } from './process-harness';
import { pingRedis } from './redis-server';
import { waitFor } from './wait-for';

/** Hash slots of a Redis Cluster. */
const CLUSTER_SLOTS = 16_384;

/** One master of a TestRedisCluster. */
interface ClusterNode {
  readonly port: number;
  readonly dir: string;
  readonly child: ChildProcess;
}

/**
 * A Redis Cluster of a test's own: `masters` redis-servers with cluster mode on, on free ports, no
 * replicas, nothing kept on disk, the hash slots split evenly between them. Started and killed by PID;
 * never the machine's shared Redis.
 */
export class TestRedisCluster {
  private constructor(private readonly nodes: readonly ClusterNode[]) {}

  /** Starts the servers, joins them and waits until every one reports `cluster_state:ok`. */
  static async start(masters = 3): Promise<TestRedisCluster> {
    const nodes: ClusterNode[] = [];
    const cluster = new TestRedisCluster(nodes);
    try {
      for (let i = 0; i < masters; i++) nodes.push(await startNode());
      await cluster.join();
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  /** The seed list Push takes as REDIS_URL for a cluster: every master, comma-separated. */
  get url(): string {
    return this.nodes.map((n) => `redis://127.0.0.1:${n.port}`).join(',');
  }

  get ports(): number[] {
    return this.nodes.map((n) => n.port);
  }

  /** A connection of the test to one master (the caller disconnects it). */
  async master(port: number): Promise<Redis> {
    const redis = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    return redis;
  }

  /** A cluster client of the test (the caller disconnects it). */
  async client(): Promise<Cluster> {
    const cluster = new Cluster(
      this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
      { lazyConnect: true },
    );
    await cluster.connect();
    return cluster;
  }

  /** Kills every server (by PID) and deletes their dirs. */
  async destroy(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        if (n.child.exitCode === null && n.child.signalCode === null) {
          const exited = new Promise<void>((resolve) => n.child.once('exit', () => resolve()));
          n.child.kill('SIGKILL');
          await exited;
        }
        rmSync(n.dir, { recursive: true, force: true });
      }),
    );
  }

  /** Gives each master an even share of the slots and makes them meet. */
  private async join(): Promise<void> {
    const per = Math.ceil(CLUSTER_SLOTS / this.nodes.length);
    const admins = await Promise.all(this.nodes.map((n) => this.master(n.port)));
    try {
      await Promise.all(
        admins.map((admin, i) => admin.call('CLUSTER', 'ADDSLOTSRANGE', String(i * per), String(Math.min(CLUSTER_SLOTS, (i + 1) * per) - 1))),
      );
      for (const n of this.nodes.slice(1)) await admins[0].call('CLUSTER', 'MEET', '127.0.0.1', String(n.port));
      await waitFor(
        async () => {
          for (const admin of admins) {
            const info = String(await admin.call('CLUSTER', 'INFO'));
            if (!info.includes('cluster_state:ok') || !info.includes(`cluster_known_nodes:${this.nodes.length}`)) return false;
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

async function startNode(): Promise<ClusterNode> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'push-test-cluster-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const child = spawn('redis-server', [...args, '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf')], { stdio: 'ignore' });
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`redis-server (cluster) exited with ${child.exitCode}`);
      return (await pingRedis(port)) === '+PONG';
    },
    15_000,
    `redis-server (cluster) on port ${port}`,
  );
  return { port, dir, child };
}
