import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cluster, Redis } from 'ioredis';
import type { RedisClient } from '../../src/store';

/**
 * A private redis-server for one test file: free port, temp dir, no persistence.
 * `await startRedis()` then `await server.stop()` (tap: t.teardown(server.stop)).
 *
 * With COACHLINE_TEST_REDIS=cluster, `startRedis()` starts a three-master Redis
 * Cluster on loopback instead (startRedisCluster) and its clients are ioredis
 * `Cluster`s: test/cluster/ runs the store tests and a few API tests that way.
 */
export interface RedisServer {
  /** The port of the (first) node. */
  port: number;
  url: string;
  /** What to set in the environment for an app process to use this server or cluster. */
  env: Record<string, string>;
  /** 'single' or 'cluster'. */
  kind: 'single' | 'cluster';
  /** The REDIS_URL / REDIS_CLUSTER_NODES part of a Config's `redis` for this server (spread it into testConfig().redis). */
  settings: { url: string; clusterNodes: { host: string; port: number }[] };
  /** A new client (closed by stop()): a `Redis`, or a `Cluster` for a cluster. */
  client(): RedisClient;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its dir. */
  stop(): Promise<void>;
  /** Kills the server hard (SIGKILL): clients see connection errors. */
  crash(): Promise<void>;
  /** Starts a new, empty server on the same port after crash() (data lost). */
  revive(): Promise<void>;
  /** SIGSTOP: the port stays open and nothing answers (a hung or partitioned Redis). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Saved, stopped, and started again on the same port with its data (a Redis run with persistence), after `downMs` (default 0) away. */
  restart(downMs?: number): Promise<void>;
}

/** One redis-server: its clients are plain `Redis`. */
export interface SingleRedisServer extends RedisServer {
  kind: 'single';
  client(): Redis;
}

const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function launch(port: number, dir: string, extra: readonly string[] = []): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'notice', ...extra];
  return spawnUntilReady(args, 'Ready to accept connections', `redis-server on ${port}`);
}

/** Starts redis-server with `args` and resolves once its output says `ready` (10 s at most). */
function spawnUntilReady(args: readonly string[], ready: string, what: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(REDIS_BIN, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not start: ${out}`));
    }, 10_000);
    const onData = (b: Buffer): void => {
      out += b.toString();
      if (out.includes(ready)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${out}`));
    });
  });
}

function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill(signal);
  });
}

export async function startRedis(): Promise<RedisServer> {
  if (process.env.COACHLINE_TEST_REDIS === 'cluster') return startRedisCluster();
  return startSingleRedis();
}

export async function startSingleRedis(): Promise<SingleRedisServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'coachline-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    child = await launch(port, dir).catch(() => undefined);
  }
  if (!child) throw new Error('could not start redis-server (is it installed?)');
  const clients: Redis[] = [];
  const server: SingleRedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    env: { REDIS_URL: `redis://127.0.0.1:${port}` },
    kind: 'single',
    settings: { url: `redis://127.0.0.1:${port}`, clusterNodes: [] },
    client() {
      const c = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.disconnect();
      if (child) await kill(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    async crash() {
      if (child) await kill(child, 'SIGKILL');
      child = undefined;
    },
    async revive() {
      child = await launch(port, dir);
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async restart(downMs = 0) {
      // Saved by hand: the server runs without save points, and loads dir/dump.rdb at start.
      const c = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, lazyConnect: true });
      await c.connect();
      await c.save();
      c.disconnect();
      if (child) await kill(child, 'SIGTERM');
      child = undefined;
      await new Promise((r) => setTimeout(r, downMs));
      child = await launch(port, dir);
    },
  };
  return server;
}

/** The names of the keys under `prefix` (SCAN; on a cluster, of every master), sorted. */
export async function keysOf(redis: RedisClient, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  const nodes: RedisClient[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000');
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return keys.sort();
}

/** Every key under `prefix` with its type and value (TTLs left out: they move with time). On a cluster, of every master. */
export async function dumpRedis(redis: RedisClient, prefix: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const k of await keysOf(redis, prefix)) {
    const type = await redis.type(k);
    switch (type) {
      case 'string':
        out[k] = await redis.get(k);
        break;
      case 'hash':
        out[k] = await redis.hgetall(k);
        break;
      case 'set':
        out[k] = (await redis.smembers(k)).sort();
        break;
      case 'zset':
        out[k] = await redis.zrange(k, '0', '-1', 'WITHSCORES');
        break;
      case 'list':
        out[k] = await redis.lrange(k, 0, -1);
        break;
      default:
        out[k] = `<${type}>`;
    }
  }
  return out;
}

const REDIS_CLI = process.env.REDIS_CLI_BIN ?? 'redis-cli';

function run(cmd: string, args: readonly string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`)) : resolve(stdout)));
  });
}

/** A port p with p and p + 10000 (the cluster bus) both free. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const p = 20000 + Math.floor(Math.random() * 20000);
    if (taken.has(p) || taken.has(p + 10000) || taken.has(p - 10000)) continue;
    if ((await isFree(p)) && (await isFree(p + 10000))) return p;
  }
  throw new Error('no free port pair for a cluster node');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function clusterOk(ports: readonly number[], until: number): Promise<void> {
  for (;;) {
    const states = await Promise.all(ports.map((p) => run(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(p), 'cluster', 'info']).catch(() => '')));
    if (states.every((s) => s.includes('cluster_state:ok'))) return;
    if (Date.now() > until) throw new Error(`the cluster on ${ports.join(',')} did not become ok: ${states.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A three-master Redis Cluster on loopback for one test file: three redis-servers
 * with cluster mode on, each in its own temp dir with its own nodes.conf, joined with
 * `redis-cli --cluster create … --cluster-replicas 0`. crash() kills the three;
 * revive() starts them again from their nodes.conf (same slots, data lost).
 */
export async function startRedisCluster(): Promise<RedisServer> {
  const base = mkdtempSync(path.join(tmpdir(), 'coachline-cluster-'));
  const taken = new Set<number>();
  const nodes: { port: number; dir: string; child?: ChildProcess | undefined }[] = [];
  const clusterArgs = (port: number): string[] => ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'];
  try {
    for (let i = 0; i < 3; i++) {
      let child: ChildProcess | undefined;
      for (let attempt = 0; attempt < 5 && !child; attempt++) {
        const port = await freeClusterPort(taken);
        const dir = path.join(base, String(port));
        mkdirSync(dir);
        child = await launch(port, dir, clusterArgs(port)).catch(() => undefined);
        if (child) {
          taken.add(port);
          nodes.push({ port, dir, child });
        }
      }
      if (!child) throw new Error('could not start a cluster-enabled redis-server');
    }
    const ports = nodes.map((n) => n.port);
    await run(REDIS_CLI, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    await clusterOk(ports, Date.now() + 15_000);
  } catch (err) {
    await Promise.all(nodes.map((n) => (n.child ? kill(n.child, 'SIGKILL') : undefined)));
    rmSync(base, { recursive: true, force: true });
    throw err;
  }
  const ports = nodes.map((n) => n.port);
  const clients: Cluster[] = [];
  const seeds = ports.map((port) => ({ host: '127.0.0.1', port }));
  return {
    port: ports[0]!,
    url: `redis://127.0.0.1:${ports[0]}`,
    env: { REDIS_CLUSTER_NODES: seeds.map((s) => `${s.host}:${s.port}`).join(',') },
    kind: 'cluster',
    settings: { url: 'redis://127.0.0.1', clusterNodes: seeds },
    client() {
      const c = new Cluster(seeds, { clusterRetryStrategy: () => 100, redisOptions: { maxRetriesPerRequest: 1 } });
      // The nodes' own clients report connection errors to the commands that meet them.
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await Promise.all(nodes.map((n) => (n.child ? kill(n.child, 'SIGTERM') : undefined)));
      rmSync(base, { recursive: true, force: true });
    },
    async crash() {
      await Promise.all(nodes.map((n) => (n.child ? kill(n.child, 'SIGKILL') : undefined)));
      for (const n of nodes) n.child = undefined;
    },
    async revive() {
      for (const n of nodes) n.child = await launch(n.port, n.dir, clusterArgs(n.port));
      await clusterOk(ports, Date.now() + 15_000);
    },
    pause() {
      for (const n of nodes) n.child?.kill('SIGSTOP');
    },
    resume() {
      for (const n of nodes) n.child?.kill('SIGCONT');
    },
    async restart() {
      for (const n of nodes) {
        const c = new Redis(n.port, '127.0.0.1', { maxRetriesPerRequest: 1, lazyConnect: true });
        await c.connect();
        await c.save();
        c.disconnect();
        if (n.child) await kill(n.child, 'SIGTERM');
        n.child = await launch(n.port, n.dir, clusterArgs(n.port));
      }
      await clusterOk(ports, Date.now() + 15_000);
    },
  };
}

/**
 * One redis-server master and one Redis Sentinel watching it (as `mymaster`), on
 * loopback: `sentinels` is what REDIS_SENTINELS lists.
 */
export async function startRedisSentinel(name = 'mymaster'): Promise<{ master: SingleRedisServer; sentinels: { host: string; port: number }[]; name: string; stop(): Promise<void> }> {
  const master = await startSingleRedis();
  const dir = mkdtempSync(path.join(tmpdir(), 'coachline-sentinel-'));
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    const conf = path.join(dir, `sentinel-${port}.conf`);
    writeFileSync(conf, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`, `sentinel down-after-milliseconds ${name} 2000`, ''].join('\n'));
    child = await launchSentinel(conf).catch(() => undefined);
  }
  if (!child) {
    await master.stop();
    throw new Error('could not start redis-server --sentinel');
  }
  const sentinel = child;
  return {
    master,
    sentinels: [{ host: '127.0.0.1', port }],
    name,
    async stop() {
      await kill(sentinel, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
      await master.stop();
    },
  };
}

function launchSentinel(conf: string): Promise<ChildProcess> {
  // Up once it has taken the master from its config.
  return spawnUntilReady([conf, '--sentinel'], '+monitor', 'redis sentinel');
}
