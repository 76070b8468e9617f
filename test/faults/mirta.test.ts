/**
 * MiRTA (HTTP polled) through scripted faults: storms of HTTP errors with `Retry-After`,
 * requests that never get an answer, truncated and garbage bodies, MiRTA's HTTP 200 auth-error
 * text, resets, and a restart of the PBX's web front end. Calls and agent changes go on
 * throughout; once the fault clears every client's view must equal the simulator, with no false
 * removal during the fault, no duplicate and no seq gap. Each test owns its simulator and bridge,
 * so they run concurrently. Figures: docs/reliability.md.
 */
import { afterAll, describe, it } from 'vitest';
import type { FaultKind } from '../../src/simulators/mirta/index.js';
import { expectConvergedCleanly } from './support/expect-clean.js';
import { faultResults, resultTable, runFault } from './support/fault-run.js';
import { startMirtaRig } from './support/mirta-rig.js';
import { withRig } from './support/rig.js';

const FAULT_MS = 1_000;
const TEST_TIMEOUT_MS = 60_000;

afterAll(() => console.info(`\nMiRTA fault results\n${resultTable(faultResults())}\n`));

/** A storm of `kind` on every request for FAULT_MS. */
function storm(fault: string, kind: FaultKind): Promise<void> {
  return withRig(startMirtaRig, async (rig) => {
    const sim = rig.sim;
    const run = await runFault(rig, {
      fault,
      durationMs: FAULT_MS,
      arm: () => void sim.faults.arm({ kind, times: Infinity, retryAfterSec: 1 }),
      clear: () => sim.faults.clear(),
    });
    expectConvergedCleanly(run);
  });
}

describe.concurrent('MiRTA through faults', () => {
  it('an HTTP 500 storm', { timeout: TEST_TIMEOUT_MS }, () => storm('HTTP 500 storm', 'http500'));

  it('an HTTP 429 storm with Retry-After', { timeout: TEST_TIMEOUT_MS }, () => storm('HTTP 429 storm (Retry-After: 1)', 'http429'));

  it('an HTTP 503 storm with Retry-After', { timeout: TEST_TIMEOUT_MS }, () => storm('HTTP 503 storm (Retry-After: 1)', 'http503'));

  it('requests that get no answer (timeouts)', { timeout: TEST_TIMEOUT_MS }, () => storm('timeouts (no answer)', 'hang'));

  it('truncated bodies', { timeout: TEST_TIMEOUT_MS }, () => storm('truncated bodies', 'truncated'));

  it('garbage bodies (a PHP warning instead of data)', { timeout: TEST_TIMEOUT_MS }, () => storm('garbage bodies', 'garbage'));

  it("MiRTA's HTTP 200 auth-error text", { timeout: TEST_TIMEOUT_MS }, () => storm('auth-error body (HTTP 200 text)', 'authError'));

  it('connections reset without an answer', { timeout: TEST_TIMEOUT_MS }, () => storm('connections reset', 'reset'));

  it('a restart of the PBX web front end (state kept, connections dropped)', { timeout: TEST_TIMEOUT_MS }, () =>
    withRig(startMirtaRig, async (rig) => {
      let restarting: Promise<void> | undefined;
      const run = await runFault(rig, {
        fault: 'vendor restart (state kept)',
        durationMs: FAULT_MS,
        arm: () => {
          restarting = rig.sim.restart({ downMs: FAULT_MS });
        },
        clear: () => restarting,
      });
      expectConvergedCleanly(run);
    }));
});
