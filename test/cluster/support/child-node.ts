/**
 * A callbridge node as a real child process (`node bin/callbridge.js start --config <file>`), so a
 * test can SIGKILL it (no goodbye to Redis, no lease release) or SIGTERM it (graceful shutdown).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../../support/wait-for.js';

const BIN = path.resolve(import.meta.dirname, '../../../bin/callbridge.js');

export interface ChildNode {
  readonly child: ChildProcessWithoutNullStreams;
  /** The node's URL, once it listens. */
  readonly url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null after a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, if still running; resolves once it exited. Removes the config file. */
  kill(): Promise<void>;
}

/**
 * Writes `config` to a temporary file and starts a node on it; resolves once it listens.
 *
 * @example
 * const leader = await startChildNode(rig.document({ sources }));
 * leader.child.kill('SIGKILL');
 */
export async function startChildNode(config: Record<string, unknown>): Promise<ChildNode> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'callbridge-node-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  const child = spawn(process.execPath, [BIN, 'start', '--config', file], { env: { ...process.env, LOG_LEVEL: 'info' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, signal });
    });
  });
  let url = '';
  await waitFor(
    () => {
      const match = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"callbridge listening"/.exec(out);
      if (match?.[1]) url = match[1];
      return url !== '' || child.exitCode !== null;
    },
    { timeout: 20_000, message: `the child node did not start: ${err.slice(-2_000)}` },
  );
  if (!url) throw new Error(`the child node exited: ${err.slice(-2_000)}`);
  return {
    child,
    url,
    stdout: () => out,
    stderr: () => err,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
