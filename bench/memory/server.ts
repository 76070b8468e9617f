/**
 * The memory bench's server process: one server and nothing else, so its RSS is that server's.
 * `argv[2]` picks it: `raw` (bench/fanout/raw-server.ts) or `callbridge` (the fan-out bench's
 * bridge: MiRTA simulator + startBridge, same process, as the demo runs). It answers `sample`
 * with its memory after forced garbage collections, and ends on `close`. Needs --expose-gc.
 */
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import { benchLogger } from '../lib/logger.js';
import { startBenchBridge } from '../fanout/bench-bridge.js';
import { startRawServer } from '../fanout/raw-server.js';
import type { MemoryChildMessage, MemoryParentMessage, MemorySnapshot } from './protocol.js';

const GC_PASSES = 3;

function send(message: MemoryChildMessage): void {
  process.send?.(message);
}

/** Full collections until nothing more is freed, then the process's memory. */
async function sample(): Promise<MemorySnapshot> {
  const gc = globalThis.gc;
  if (!gc) throw new Error('no gc(): the server process needs --expose-gc (npm run bench:memory passes it)');
  for (let pass = 0; pass < GC_PASSES; pass++) {
    gc();
    // Weak callbacks and finalizers run between turns; the next pass collects what they released.
    await nextTurn();
  }
  await delay(10);
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
}

async function main(): Promise<void> {
  const target = process.argv[2];
  const extensions = Number(process.argv[3] ?? '200');
  const { logger, close: closeLogger } = benchLogger();
  let close: () => Promise<void>;
  let url: string;
  if (target === 'raw') {
    const raw = await startRawServer();
    ({ url } = raw);
    close = () => raw.close();
  } else if (target === 'callbridge') {
    const bench = await startBenchBridge({ extensions, flows: extensions, flowsPollMs: 2_000, logger });
    url = bench.bridge.url;
    close = () => bench.close();
  } else {
    throw new Error(`memory server: unknown target "${target ?? ''}" (raw or callbridge)`);
  }
  process.on('message', (message: MemoryParentMessage) => {
    if (message.kind === 'sample') {
      sample().then(
        (memory) => send({ kind: 'sample', memory }),
        (err: unknown) => send({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }),
      );
    } else if (message.kind === 'close') {
      close()
        .catch((err: unknown) => console.error(err))
        .finally(() => {
          closeLogger();
          process.disconnect();
        });
    }
  });
  send({ kind: 'ready', url });
}

main().catch((err: unknown) => {
  send({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
  process.disconnect();
});
