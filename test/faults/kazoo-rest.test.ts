/**
 * Kazoo's crossbar REST through scripted faults while the blackhole websocket stays healthy:
 * the agents poll and the periodic channel resync meet HTTP error storms (with `Retry-After`),
 * requests that get no answer, truncated and garbage bodies, crossbar's 401, and resets. Calls
 * and agent changes go on throughout; a failed resync or agents poll must change nothing, and
 * once the fault clears every client's view must equal the simulator. Each test owns its
 * simulator and bridge, so they run concurrently. Figures: docs/reliability.md.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CrossbarFaultKind } from '../../src/simulators/kazoo/index.js';
import { expectConvergedCleanly } from './support/expect-clean.js';
import { faultResults, resultTable, runFault, type FaultRun } from './support/fault-run.js';
import { startKazooRig, type KazooRig } from './support/kazoo-rig.js';
import { withRig } from './support/rig.js';

const FAULT_MS = 1_000;
const TEST_TIMEOUT_MS = 60_000;
/** The account's routes: logins (`/v2/api_auth`) are left alone unless a test says otherwise. */
const ACCOUNT_ROUTES = '/v2/accounts/';

afterAll(() => console.info(`\nKazoo REST fault results\n${resultTable(faultResults())}\n`));

function storm(fault: string, kind: CrossbarFaultKind, options: { path?: string; then?: (run: FaultRun, rig: KazooRig) => void } = {}): Promise<void> {
  const path = 'path' in options ? options.path : ACCOUNT_ROUTES;
  return withRig(startKazooRig, async (rig) => {
    const sim = rig.sim;
    const run = await runFault(rig, {
      fault,
      durationMs: FAULT_MS,
      arm: () => void sim.faults.arm({ kind, times: Infinity, retryAfterSec: 1, ...(path === undefined ? {} : { path }) }),
      clear: () => sim.faults.clear(),
    });
    expectConvergedCleanly(run);
    options.then?.(run, rig);
  });
}

describe.concurrent('Kazoo crossbar through faults (websocket healthy)', () => {
  it('an HTTP 500 storm', { timeout: TEST_TIMEOUT_MS }, () => storm('crossbar HTTP 500 storm', 'http500'));

  it('an HTTP 429 storm with Retry-After', { timeout: TEST_TIMEOUT_MS }, () => storm('crossbar HTTP 429 storm (Retry-After: 1)', 'http429'));

  it('an HTTP 503 storm with Retry-After, logins included', { timeout: TEST_TIMEOUT_MS }, () =>
    storm('crossbar HTTP 503 storm (Retry-After: 1), logins too', 'http503', { path: undefined }));

  it('requests that get no answer (timeouts)', { timeout: TEST_TIMEOUT_MS }, () => storm('crossbar timeouts (no answer)', 'hang'));

  it('truncated bodies', { timeout: TEST_TIMEOUT_MS }, () => storm('crossbar truncated bodies', 'truncated'));

  it('garbage bodies (an HTML page instead of the envelope)', { timeout: TEST_TIMEOUT_MS }, () => storm('crossbar garbage bodies', 'garbage'));

  it("crossbar's 401 on every account route (the login itself works)", { timeout: TEST_TIMEOUT_MS }, () =>
    storm('crossbar 401 (auth error)', 'auth401', {
      // Each 401 drops the token and logs in again once before the request counts as failed.
      then: (run, rig) => expect(rig.sim.requests.filter((r) => r.path === '/v2/api_auth' && r.at >= run.armedAt).length).toBeGreaterThan(1),
    }));

  it('connections reset without an answer', { timeout: TEST_TIMEOUT_MS }, () => storm('crossbar connections reset', 'reset'));
});
