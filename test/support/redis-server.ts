/**
 * A private `redis-server` per test file, on a free loopback port, with no persistence: tests
 * never touch the machine's own Redis (6379) nor each other's. `kill()` (SIGKILL) and
 * `restart()` on the SAME port let tests take Redis away from running clients and give it back.
 *
 * Like chromium.ts: without `redis-server` on PATH a suite is skipped with a loud warning,
 * unless `CI=true`, where it must run (and fail).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;
const START_ATTEMPTS = 5;

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Whether the process is up. */
  readonly running: boolean;
  /** SIGTERM, resolves once the process exited. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL (a crash: no goodbye to clients), resolves once the process exited. */
  kill(): Promise<void>;
  /** Starts a fresh, empty server on the same port (stopping the current one first if up). */
  restart(): Promise<void>;
}

const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** `redis-server` from PATH, if any. */
export function redisServerPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'redis-server');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Whether a Redis suite should run. Call it once per file, at collection time.
 *
 * @example
 * const redisReady = redisAvailable('cluster lease');
 * describe.skipIf(!redisReady)('SourceLease', () => { ... });
 */
export function redisAvailable(suite: string): boolean {
  if (redisServerPath()) return true;
  if (process.env.CI === 'true') return true; // run, and let startRedisServer() fail loudly
  const line = '!'.repeat(78);
  console.warn(
    `\n${line}\n!!! SKIPPING the ${suite} tests: redis-server is not on PATH.\n` +
      `!!! Install it (apt-get install redis-server). Under CI=true this fails.\n${line}\n`,
  );
  return false;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One PING over a raw socket: true on `+PONG`. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not exit in time')), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function spawnOn(binary: string, port: number, dir: string): Promise<ChildProcess> {
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  live.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => live.delete(child));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited at start on port ${port}:\n${output}`);
    }
    if (await ping(port)) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer PING on port ${port} within ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * @example
 * const redis = await startRedisServer();
 * afterAll(() => redis.stop());
 * const client = new Redis(redis.url);
 */
export async function startRedisServer(): Promise<RedisServer> {
  const binary = redisServerPath();
  if (!binary) throw new Error('redis-server is required here (CI=true) but is not on PATH');
  installExitHook();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'callbridge-redis-'));
  dirs.add(dir);

  let port = 0;
  let child: ChildProcess | undefined;
  let lastError: unknown;
  // A free port can be taken between the probe and redis's bind: try another one.
  for (let attempt = 0; attempt < START_ATTEMPTS && !child; attempt++) {
    port = await freePort();
    try {
      child = await spawnOn(binary, port, dir);
    } catch (err) {
      lastError = err;
    }
  }
  if (!child) throw lastError instanceof Error ? lastError : new Error('redis-server did not start');

  let current: ChildProcess | undefined = child;
  const isRunning = () => current !== undefined && current.exitCode === null && current.signalCode === null;
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = current;
    current = undefined;
    if (!proc) return;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await waitExit(proc);
  };

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return isRunning();
    },
    async stop() {
      await end('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
    kill: () => end('SIGKILL'),
    async restart() {
      await end('SIGTERM');
      dirs.add(dir);
      // The old socket may linger for a moment after the exit: retry the same port briefly.
      let error: unknown;
      for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        try {
          current = await spawnOn(binary, port, dir);
          return;
        } catch (err) {
          error = err;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      throw error instanceof Error ? error : new Error('redis-server did not restart');
    },
  };
}
