/**
 * WebAppel (HTTP polled listing) through scripted faults: HTTP error storms with `Retry-After`,
 * listing requests that get no answer, truncated and garbage bodies, WebAppel's
 * `KO: identifiants incorrects`, resets, and a restart of its web server. Website callbacks are
 * requested (and some cancelled) throughout; once the fault clears every client's view must show
 * each callback in the state the vendor gives it, with no false final state during the fault, no
 * duplicate and no seq gap. Each test owns its simulator and bridge, so they run concurrently.
 * Figures: docs/reliability.md.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { FaultKind } from '../../src/simulators/webappel/index.js';
import { expectConvergedCleanly } from './support/expect-clean.js';
import { faultResults, resultTable, runFault, type FaultPlan, type FaultRun } from './support/fault-run.js';
import { withRig } from './support/rig.js';
import { startWebAppelRig, type WebAppelRig } from './support/webappel-rig.js';

const FAULT_MS = 1_000;
const TEST_TIMEOUT_MS = 60_000;
/** The poller's request; `appel` (the command) stays healthy so the story goes on. */
const LISTING = 'appel_listing';

afterAll(() => console.info(`\nWebAppel fault results\n${resultTable(faultResults())}\n`));

function expectCleanRun(run: FaultRun): void {
  expectConvergedCleanly(run);
  // The story really ran: callbacks were requested and reached final states during the run.
  expect(run.early.received.filter(({ event }) => event.topic === 'callbacks').length).toBeGreaterThan(3);
}

function fault(plan: (rig: WebAppelRig) => FaultPlan): Promise<void> {
  return withRig(startWebAppelRig, async (rig) => expectCleanRun(await runFault(rig, plan(rig))));
}

function storm(name: string, kind: FaultKind): Promise<void> {
  return fault(({ sim }) => ({
    fault: name,
    durationMs: FAULT_MS,
    arm: () => sim.faults.arm(kind, { count: Infinity, methode: LISTING, retryAfterSec: 1 }),
    clear: () => sim.faults.clear(),
  }));
}

describe.concurrent('WebAppel through faults', () => {
  it('an HTTP 500 storm', { timeout: TEST_TIMEOUT_MS }, () => storm('HTTP 500 storm', 'http500'));

  it('an HTTP 429 storm with Retry-After', { timeout: TEST_TIMEOUT_MS }, () => storm('HTTP 429 storm (Retry-After: 1)', 'http429'));

  it('an HTTP 503 storm with Retry-After', { timeout: TEST_TIMEOUT_MS }, () => storm('HTTP 503 storm (Retry-After: 1)', 'http503'));

  it('listing requests that get no answer (timeouts)', { timeout: TEST_TIMEOUT_MS }, () => storm('timeouts (no answer)', 'hang'));

  it('truncated bodies', { timeout: TEST_TIMEOUT_MS }, () => storm('truncated bodies', 'truncated'));

  it('garbage bodies (an HTML maintenance page)', { timeout: TEST_TIMEOUT_MS }, () => storm('garbage bodies', 'garbage'));

  it('the refused-login text (KO: identifiants incorrects)', { timeout: TEST_TIMEOUT_MS }, () =>
    storm('auth-error body (KO: identifiants incorrects)', 'authError'));

  it('connections reset without an answer', { timeout: TEST_TIMEOUT_MS }, () => storm('connections reset', 'reset'));

  it('a restart of the web server (callbacks kept, connections dropped)', { timeout: TEST_TIMEOUT_MS }, () =>
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
});
