/**
 * Kazoo's blackhole websocket through scripted faults: a node that stops answering without
 * closing (silent drop), duplicated frames, reordered frames, a blackhole restart, a restart of
 * the whole vendor, and a socket drop while crossbar fails. Calls and agent changes go on
 * throughout; once the fault clears every client's view must equal the simulator, with no false
 * removal, no duplicate and no seq gap.
 *
 * Liveness bound: a silent drop must be detected within the configured ping interval + pong
 * timeout (plus scheduling slack), the source going `degraded` on the bus and in `/readyz`, and
 * it must recover by itself. Each test owns its simulator and bridge, so they run concurrently.
 * Figures: docs/reliability.md.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sleep } from '../support/wait-for.js';
import { expectConvergedCleanly } from './support/expect-clean.js';
import { faultResults, resultTable, runFault, type FaultPlan } from './support/fault-run.js';
import { KAZOO_LIVENESS, KAZOO_SOURCE, startKazooRig, type KazooRig } from './support/kazoo-rig.js';
import { withRig } from './support/rig.js';

const FAULT_MS = 1_200;
const TEST_TIMEOUT_MS = 60_000;
/** Slack on top of ping interval + pong timeout for a loaded machine's timers: a liveness bound. */
const DETECTION_SLACK_MS = 3_000;

afterAll(() => console.info(`\nKazoo websocket fault results\n${resultTable(faultResults())}\n`));

/** Polls `/readyz` until stopped; collects the source's statuses in the order seen. */
function watchReadyz(url: string): { seen: string[]; stop: () => Promise<void> } {
  const seen: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const res = await fetch(`${url}/readyz`);
      const body = (await res.json()) as { sources: { id: string; status: string }[] };
      const status = body.sources.find((s) => s.id === KAZOO_SOURCE)?.status ?? 'absent';
      if (seen.at(-1) !== status) seen.push(status);
      await sleep(20);
    }
  })();
  return {
    seen,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Runs the fault `plan(rig)` on a fresh Kazoo rig and asserts the clean convergence. */
function fault(plan: (rig: KazooRig) => FaultPlan): Promise<void> {
  return withRig(startKazooRig, async (rig) => expectConvergedCleanly(await runFault(rig, plan(rig))));
}

describe.concurrent('Kazoo blackhole through faults', () => {
  it('a silent drop: detected within the liveness bound, degraded in /readyz, recovered by itself', { timeout: TEST_TIMEOUT_MS }, () =>
    withRig(startKazooRig, async (rig) => {
      const { sim, bridge } = rig;
      let readyz: ReturnType<typeof watchReadyz> | undefined;
      const run = await runFault(rig, {
        fault: 'websocket silent drop (no close)',
        durationMs: FAULT_MS,
        arm: () => {
          readyz = watchReadyz(bridge.url);
          sim.setSilent(true);
        },
        clear: async () => {
          sim.setSilent(false);
          await readyz?.stop();
        },
      });
      expectConvergedCleanly(run);
      const degraded = run.early.received.find(({ at, event }) => at >= run.armedAt && event.topic === 'sources' && event.data.status !== 'up');
      expect(degraded?.event.type).toBe('source.degraded');
      const detectedMs = (degraded?.at ?? Number.POSITIVE_INFINITY) - run.armedAt;
      const bound = KAZOO_LIVENESS.pingIntervalMs + KAZOO_LIVENESS.pongTimeoutMs;
      console.info(
        `[faults] Kazoo / silent drop detected after ${detectedMs} ms (ping ${KAZOO_LIVENESS.pingIntervalMs} ms + pong timeout ` +
          `${KAZOO_LIVENESS.pongTimeoutMs} ms = ${bound} ms); /readyz showed ${readyz?.seen.join(' -> ')}`,
      );
      expect(detectedMs).toBeLessThan(bound + DETECTION_SLACK_MS);
      expect(readyz?.seen).toContain('degraded');
      // Recovered by itself: nothing but clearing the fault, and the source is up again.
      expect(bridge.sources.get(KAZOO_SOURCE)?.status).toBe('up');
    }));

  it('duplicated frames (every event sent twice)', { timeout: TEST_TIMEOUT_MS }, () =>
    fault(({ sim }) => ({
      fault: 'websocket duplicated frames',
      durationMs: FAULT_MS,
      arm: () => {
        sim.blackhole.faults.duplicate = true;
      },
      clear: () => sim.blackhole.faults.clear(),
    })));

  it('reordered frames (three at a time, last first), ending with a hold and resume that cross', { timeout: TEST_TIMEOUT_MS }, () =>
    fault(({ sim }) => ({
      fault: 'websocket reordered frames (HOLD/UNHOLD crossed)',
      durationMs: FAULT_MS,
      arm: () => {
        sim.blackhole.faults.reorder = { window: 3, maxHoldMs: 100 };
      },
      clear: () => {
        // The worst reordering last: a resume that arrives before its hold. Kazoo's events carry
        // no order finer than a second, so the bridge shows the call held until the next REST
        // resync (`poll.channels`, 1 s in this rig) says otherwise.
        sim.blackhole.faults.clear();
        const answered = sim.model.legsOf(sim.accountId).find((leg) => leg.answered && !leg.onHold);
        const leg = answered ?? sim.model.startCall({ from: sim.deviceIds[0] ?? '', to: '33170200258' }).a;
        if (!leg.answered) sim.model.answer(leg.uuid);
        sim.blackhole.faults.reorder = { window: 2, maxHoldMs: 1_000 };
        sim.model.hold(leg.uuid);
        sim.model.unhold(leg.uuid);
        sim.blackhole.faults.clear();
      },
    })));

  it('a blackhole restart (sessions lost, calls kept)', { timeout: TEST_TIMEOUT_MS }, () =>
    fault(({ sim }) => {
      let restarting: Promise<void> | undefined;
      return {
        fault: 'websocket server restart (state kept)',
        durationMs: FAULT_MS,
        arm: () => {
          restarting = sim.restart({ downMs: FAULT_MS, only: 'blackhole' });
        },
        clear: () => restarting,
      };
    }));

  it('a restart of the whole vendor, crossbar and blackhole (state kept)', { timeout: TEST_TIMEOUT_MS }, () =>
    fault(({ sim }) => {
      let restarting: Promise<void> | undefined;
      return {
        fault: 'vendor restart (state kept)',
        durationMs: FAULT_MS,
        arm: () => {
          restarting = sim.restart({ downMs: FAULT_MS });
        },
        clear: () => restarting,
      };
    }));

  it('a socket drop while crossbar answers 500: the resync is retried after the storm', { timeout: TEST_TIMEOUT_MS }, () =>
    fault(({ sim }) => ({
      fault: 'socket drop during a crossbar 500 storm',
      durationMs: FAULT_MS,
      arm: () => {
        sim.faults.arm({ kind: 'http500', times: Infinity, path: '/v2/accounts/' });
        sim.dropSockets();
      },
      clear: () => sim.faults.clear(),
    })));
});
