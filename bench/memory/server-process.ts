/**
 * The parent's side of one memory-bench server process (server.ts): forked fresh for every
 * measurement, so no measurement inherits another's heap, freed pages or JIT state.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MemoryChildMessage, MemoryParentMessage, MemorySnapshot } from './protocol.js';

const SERVER_ENTRY = fileURLToPath(new URL('./server.ts', import.meta.url));
const EXIT_TIMEOUT_MS = 10_000;

export type MemoryTarget = 'raw' | 'callbridge';

/**
 * @example
 * const server = await ServerProcess.start('raw', 200);
 * const before = await server.sample();
 * await server.close();
 */
export class ServerProcess {
  readonly #child: ChildProcess;
  readonly url: string;

  private constructor(child: ChildProcess, url: string) {
    this.#child = child;
    this.url = url;
  }

  static async start(target: MemoryTarget, extensions: number): Promise<ServerProcess> {
    // The parent's own flags (npm run bench:memory: --expose-gc --import tsx) go to the server.
    const execArgv = process.execArgv.includes('--expose-gc') ? process.execArgv : ['--expose-gc', ...process.execArgv];
    const child = fork(SERVER_ENTRY, [target, String(extensions)], { execArgv, stdio: 'inherit' });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (message: MemoryChildMessage) => {
        if (message.kind === 'ready') resolve(message.url);
        else reject(new Error(`memory server (${target}): ${message.kind === 'failed' ? message.message : message.kind}`));
      });
      child.once('exit', (code) => reject(new Error(`memory server (${target}) exited (code ${code ?? 'null'})`)));
    });
    return new ServerProcess(child, url);
  }

  /** The server's memory after forced full garbage collections. */
  sample(): Promise<MemorySnapshot> {
    return new Promise((resolve, reject) => {
      this.#child.once('message', (message: MemoryChildMessage) => {
        if (message.kind === 'sample') resolve(message.memory);
        else reject(new Error(`memory server: ${message.kind === 'failed' ? message.message : message.kind}`));
      });
      this.#child.send({ kind: 'sample' } satisfies MemoryParentMessage);
    });
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.send({ kind: 'close' } satisfies MemoryParentMessage);
    const timer = setTimeout(() => this.#child.kill(), EXIT_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}
