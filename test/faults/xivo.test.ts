/**
 * XiVO (HTTP polled CEL and lists) through scripted faults: HTTP error storms with
 * `Retry-After`, requests that get no answer, truncated and garbage bodies, HTTP 401 with the
 * Basic challenge, resets, and a restart of its web server. Calls and directory changes go on
 * throughout; the CEL cursor must neither lose nor repeat a row, so once the fault clears every
 * client's view must equal the simulator, with no false hang-up, no duplicate and no seq gap.
 * Each test owns its simulator and bridge, so they run concurrently. Figures: docs/reliability.md.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { XivoFaultKind } from '../../src/simulators/xivo/index.js';
import { waitFor } from '../support/wait-for.js';
import { expectConvergedCleanly } from './support/expect-clean.js';
import { faultResults, resultTable, runFault, type FaultPlan, type FaultRun } from './support/fault-run.js';
import { openLedgerClient } from './support/ledger-client.js';
import { withRig } from './support/rig.js';
import { startXivoRig, type XivoRig } from './support/xivo-rig.js';

const FAULT_MS = 1_000;
const TEST_TIMEOUT_MS = 60_000;

afterAll(() => console.info(`\nXiVO fault results\n${resultTable(faultResults())}\n`));

function expectCleanRun(run: FaultRun): void {
  expectConvergedCleanly(run);
  // Every call hung up during the run was recorded exactly once: the CEL cursor neither lost
  // nor repeated a row across the fault.
  const recorded = run.early.received.filter(({ event }) => event.type === 'call.recorded').map(({ event }) => event.key);
  expect(recorded.length).toBeGreaterThan(0);
  expect(new Set(recorded).size).toBe(recorded.length);
}

function fault(plan: (rig: XivoRig) => FaultPlan): Promise<void> {
  return withRig(startXivoRig, async (rig) => expectCleanRun(await runFault(rig, plan(rig))));
}

function storm(name: string, kind: XivoFaultKind): Promise<void> {
  return fault(({ sim }) => ({
    fault: name,
    durationMs: FAULT_MS,
    arm: () => void sim.faults.arm({ kind, times: Infinity, retryAfterSec: 1 }),
    clear: () => sim.faults.clear(),
  }));
}

describe.concurrent('XiVO through faults', () => {
  it('an HTTP 500 storm', { timeout: TEST_TIMEOUT_MS }, () => storm('HTTP 500 storm', 'http500'));

  it('an HTTP 429 storm with Retry-After', { timeout: TEST_TIMEOUT_MS }, () => storm('HTTP 429 storm (Retry-After: 1)', 'http429'));

  it('an HTTP 503 storm with Retry-After', { timeout: TEST_TIMEOUT_MS }, () => storm('HTTP 503 storm (Retry-After: 1)', 'http503'));

  it('requests that get no answer (timeouts)', { timeout: TEST_TIMEOUT_MS }, () => storm('timeouts (no answer)', 'hang'));

  it('truncated bodies', { timeout: TEST_TIMEOUT_MS }, () => storm('truncated bodies', 'truncated'));

  it('garbage bodies (a PHP error page instead of JSON)', { timeout: TEST_TIMEOUT_MS }, () => storm('garbage bodies', 'garbage'));

  it('HTTP 401 with the Basic challenge', { timeout: TEST_TIMEOUT_MS }, () => storm('auth error (HTTP 401)', 'auth401'));

  it('connections reset without an answer', { timeout: TEST_TIMEOUT_MS }, () => storm('connections reset', 'reset'));

  it('a restart of the web server (CEL and lists kept, connections dropped)', { timeout: TEST_TIMEOUT_MS }, () =>
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

/**
 * Regression, found by this suite (the client that joins mid-fault): XiVO channel entities
 * carried Asterisk's channel name in `channel` while their events were keyed by `uniqueid`, so a
 * client that subscribed during a call derived another key from the snapshot (protocol §2: the
 * key is the entity's `channel`) and kept the call on screen after its hang-up.
 */
describe('XiVO channels: a snapshot entity carries its key', () => {
  it('regression: a client that subscribes mid-call sees the hang-up', () =>
    withRig(startXivoRig, async ({ sim, bridge, token, tenant }) => {
      const call = sim.model.startCall({ from: '1001', to: '1002' });
      await waitFor(async () => (await bridge.bus.entities(tenant, 'channels')).size === 2);
      const client = await openLedgerClient(bridge.url, token, tenant, 'mid-call', () => undefined);
      try {
        const channels = () => [...(client.view({ channels: [] }).get('channels')?.keys() ?? [])].sort();
        expect(channels()).toEqual([call.aLeg, call.bLeg].sort());
        sim.model.hangup(call.linkedid);
        await waitFor(() => channels().length === 0, { message: `still shown: ${channels().join(', ')}` });
      } finally {
        client.close();
      }
    }));
});
