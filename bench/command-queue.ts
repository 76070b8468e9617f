/**
 * Command-path bench: what the command layer (CommandDispatcher + VendorBudget) adds to a
 * command when nothing throttles it, against the same vendor request made directly, in the
 * same run. The vendor is the real MiRTA simulator on loopback; it answers SETFLOW at once.
 *
 * Every path runs the same `flow.set` (alternating INUSE / NOT_INUSE on one flow), one at a
 * time by default, in ROUNDS interleaved rounds whose order rotates, after a warm-up.
 *
 * Run: node --import tsx bench/command-queue.ts   (knobs: ITERATIONS=3000 ROUNDS=6 CONCURRENCY=1
 *      POLLS=demo|off LOG=devnull|silent)
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { Principal } from '../src/auth/principal.js';
import { TokenVerifier } from '../src/auth/token-verifier.js';
import { startBridge, type Bridge } from '../src/bridge.js';
import type { CommandLimits } from '../src/commands/command-dispatcher.js';
import { parseConfig } from '../src/config/load.js';
import { startMirtaSimulator, type MirtaSimulator } from '../src/simulators/mirta/index.js';
import {
  bareUndici,
  budgetOnly,
  dispatcherToSimulator,
  dispatcherToStub,
  restCommand,
  socketCommand,
  sourceExecute,
  type CommandPath,
  type PathContext,
} from './command-queue/paths.js';
import { choiceKnob, intKnob } from './lib/knobs.js';
import { benchLogger } from './lib/logger.js';
import { printMachine } from './lib/machine.js';
import { SampleBuffer, summarize, type Summary } from './lib/stats.js';
import { fmt, ratio, table } from './lib/table.js';

const ITERATIONS = intKnob({ name: 'ITERATIONS', fallback: 3_000, min: 10, max: 10_000_000 });
const ROUNDS = intKnob({ name: 'ROUNDS', fallback: 6, min: 1, max: 1_000 });
const CONCURRENCY = intKnob({ name: 'CONCURRENCY', fallback: 1, min: 1, max: 256 });
const WARMUP = intKnob({ name: 'WARMUP', fallback: 300, min: 0, max: 1_000_000 });
const POLLS = choiceKnob('POLLS', ['demo', 'off'] as const, 'demo');

const TOKEN = 'bench-command-token-0123456789';
const TENANT = 'demo';
const TENANT_CODE = 'DEMO';
const FLOW = '700';
const SOURCE_ID = 'mirta-bench';
/** Generous: the budget never makes anyone wait (p-queue concurrency and the rate gate). */
const LIMITS = { concurrency: 16, perSecond: 10_000, queue: 10_000, timeout: '10s' } as const;
const DEMO_POLLS = { peers: '2s', channels: '500ms', blfs: '500ms', flows: '2s', agents: '1s', queues: '2s', extensions: '30s' };
const NO_POLLS = { peers: 0, channels: 0, blfs: 0, flows: 0, agents: 0, queues: 0, extensions: 0 };

/** Runs `count` calls, CONCURRENCY at a time, recording each one's duration (ms). */
async function runCalls(path: CommandPath, count: number, first: number, samples: SampleBuffer | undefined): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = first + next++;
      const started = performance.now();
      await path.call(index);
      samples?.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
}

async function main(): Promise<void> {
  const log = benchLogger();
  let sim: MirtaSimulator | undefined;
  let bridge: Bridge | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    sim = await startMirtaSimulator();
    const config = parseConfig({
      listen: { host: '127.0.0.1', port: 0 },
      auth: { tokens: [{ token: TOKEN, name: 'bench', tenants: [TENANT], scopes: ['*'] }] },
      sources: [
        {
          id: SOURCE_ID,
          vendor: 'mirta',
          url: sim.url,
          key: sim.keys.admin,
          admin: true,
          tenants: { [TENANT]: TENANT_CODE },
          poll: POLLS === 'demo' ? DEMO_POLLS : NO_POLLS,
          limits: LIMITS,
        },
      ],
    });
    bridge = await startBridge(config, { logger: log.logger });
    const sourceConfig = config.sources[0];
    const source = bridge.sources.get(SOURCE_ID);
    const principal: Principal | null = await TokenVerifier.fromConfig(config).verify(TOKEN);
    if (!sourceConfig || !source || !principal) throw new Error('bench bridge did not start as configured');
    const limits: CommandLimits = {
      timeout: sourceConfig.limits.timeout,
      breakerThreshold: sourceConfig.limits.breakerThreshold,
      breakerCooldown: sourceConfig.limits.breakerCooldown,
    };
    const ctx: PathContext = {
      bridge,
      source,
      simUrl: sim.url,
      simKey: sim.keys.admin,
      tenant: TENANT,
      tenantCode: TENANT_CODE,
      flow: FLOW,
      token: TOKEN,
      principal,
      budget: { concurrency: LIMITS.concurrency, perSecond: LIMITS.perSecond, queue: LIMITS.queue },
      limits,
      logger: log.logger,
    };

    const simPool = new Pool(new URL(sim.url).origin, { connections: LIMITS.concurrency });
    const bridgePool = new Pool(bridge.url, { connections: LIMITS.concurrency });
    cleanups.push(() => simPool.close(), () => bridgePool.close());
    const toSimulator = dispatcherToSimulator(ctx);
    const toStub = dispatcherToStub(ctx);
    cleanups.push(() => toSimulator.dispatcher.close(), () => toStub.dispatcher.close());
    const socket = await socketCommand(ctx);
    cleanups.push(() => void socket.socket.close());

    const paths: CommandPath[] = [
      bareUndici(ctx, simPool),
      sourceExecute(ctx),
      toSimulator.path,
      socket.path,
      restCommand(ctx, bridgePool),
      toStub.path,
      budgetOnly(ctx),
    ];
    printMachine();
    console.log(
      `command path: flow.set x ${ITERATIONS} per path in ${ROUNDS} rounds, concurrency ${CONCURRENCY}, ` +
        `polls ${POLLS}, logs ${log.mode}, limits ${JSON.stringify(LIMITS)}`,
    );

    for (const path of paths) await runCalls(path, WARMUP, 0, undefined);
    const samples = new Map(paths.map((path) => [path, new SampleBuffer(ITERATIONS)]));
    const perRound = Math.ceil(ITERATIONS / ROUNDS);
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so no path always runs right after the same other one.
      const order = paths.map((_, i) => paths[(i + round) % paths.length] as CommandPath);
      for (const path of order) await runCalls(path, perRound, WARMUP + round * perRound, samples.get(path));
    }
    report(paths.map((path) => ({ path, summary: summarize(samples.get(path)?.values() ?? []) })));
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await bridge?.close();
    await sim?.close();
    log.close();
  }
}

function report(results: readonly { path: CommandPath; summary: Summary }[]): void {
  const byName = new Map(results.map((r) => [r.path.name, r.summary]));
  const direct = byName.get('source.execute -> simulator');
  const dispatched = byName.get('CommandDispatcher -> simulator');
  const stub = byName.get('CommandDispatcher -> stub (no I/O)');
  console.log('');
  console.log(
    table(
      ['path', 'p50 ms', 'p90 ms', 'p99 ms', 'mean ms', 'calls/s', 'adds'],
      results.map(({ path, summary }) => [
        path.name,
        fmt(summary.p50, 3),
        fmt(summary.p90, 3),
        fmt(summary.p99, 3),
        fmt(summary.mean, 3),
        fmt((1000 * CONCURRENCY) / summary.mean, 0),
        path.adds,
      ]),
    ),
  );
  if (!direct || !dispatched || !stub) return;
  console.log('\nadded by CommandDispatcher + VendorBudget (dispatcher -> simulator vs source.execute -> simulator):');
  console.log(
    table(
      ['', 'p50', 'p99', 'mean'],
      [
        ['difference', `${fmt(dispatched.p50 - direct.p50, 3)} ms`, `${fmt(dispatched.p99 - direct.p99, 3)} ms`, `${fmt(dispatched.mean - direct.mean, 3)} ms`],
        ['ratio', ratio(dispatched.p50, direct.p50), ratio(dispatched.p99, direct.p99), ratio(dispatched.mean, direct.mean)],
        ['command layer alone (stub)', `${fmt(stub.p50, 3)} ms`, `${fmt(stub.p99, 3)} ms`, `${fmt(stub.mean, 3)} ms`],
      ],
    ),
  );
  console.log('(percentile differences, not percentiles of differences: the stub row measures the layer directly.)');
}

// No process.exit: the process ends by itself once everything is closed, which proves it is.
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
