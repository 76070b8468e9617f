/** The assertions every fault test makes once its run is over. */
import { expect } from 'vitest';
import type { FaultRun } from './fault-run.js';

/**
 * Converged and stayed so, no false event, no duplicate, no seq gap (each list is printed in
 * full when it is not empty), and the story really changed the PBX during the run.
 *
 * @example expectConvergedCleanly(await runFault(rig, plan));
 */
export function expectConvergedCleanly(run: FaultRun): void {
  expect(run.remaining).toEqual([]);
  expect(run.result.converged).toBe(true);
  expect(run.falseEvents).toEqual([]);
  expect(run.duplicates).toEqual([]);
  expect(run.gaps).toEqual([]);
  expect(run.early.received.filter(({ event }) => event.topic !== 'sources').length).toBeGreaterThan(0);
}
