import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/**
 * A private redis-server for one test file: free port, temp dir, no persistence.
 * `await startRedis()` then `await server.stop()` (tap: t.teardown(server.stop)).
 */
export interface RedisServer {
  port: number;
  url: string;
  /** A new client (closed by stop()). */
  client(): Redis;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its dir. */
  stop(): Promise<void>;
  /** Kills the server hard (SIGKILL): clients see connection errors. */
  crash(): Promise<void>;
  /** Starts a new, empty server on the same port after crash() (data lost). */
  revive(): Promise<void>;
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

function launch(port: number, dir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'notice'];
    const child = spawn(REDIS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start on ${port}: ${out}`));
    }, 10_000);
    const onData = (b: Buffer): void => {
      out += b.toString();
      if (out.includes('Ready to accept connections')) {
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
      reject(new Error(`redis-server exited with ${code}: ${out}`));
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
  const dir = mkdtempSync(path.join(tmpdir(), 'coachline-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    child = await launch(port, dir).catch(() => undefined);
  }
  if (!child) throw new Error('could not start redis-server (is it installed?)');
  const clients: Redis[] = [];
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
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
  };
  return server;
}

/** Every key under `prefix` with its type and value (TTLs left out: they move with time). */
export async function dumpRedis(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000');
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  const out: Record<string, unknown> = {};
  for (const k of keys.sort()) {
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
