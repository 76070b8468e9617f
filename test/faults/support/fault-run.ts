/**
 * One fault, start to finish, against a rig: two clients subscribe (a ledger client and the
 * SDK's `connect()` mirror), the story runs, the fault is armed, a third client joins in the
 * middle of it, the story stops when the fault clears, and the clients' views are compared with
 * the simulator's truth until they agree. The time that takes is measured, never asserted
 * (beyond a liveness bound); what the clients received is checked for false events, duplicates
 * and seq gaps.
 */
import { connect } from '../../../src/client/index.js';
import type { CallbridgeClient } from '../../../src/client/index.js';
import { sleep, waitFor } from '../../support/wait-for.js';
import { openLedgerClient, type LedgerClient, type Noted } from './ledger-client.js';
import { judgeAgainst, type FaultRig } from './rig.js';
import { differences, viewOf } from './views.js';

/** The story runs this long before the fault, so the fault hits a lively PBX. */
const WARMUP_MS = 400;
/** Liveness bound: a view that has not converged this long after the fault cleared is a failure. */
export const CONVERGE_BOUND_MS = 20_000;
/** After converging, the clients keep listening this long (several poll rounds) for late damage. */
const SETTLE_MS = 700;

export interface FaultPlan {
  /** The report's row label, e.g. `HTTP 500 storm`. */
  readonly fault: string;
  /** How long the fault lasts; the story keeps changing the PBX all along. */
  readonly durationMs: number;
  arm(): void | Promise<void>;
  /** Ends the fault; resolves once the vendor answers normally again. */
  clear(): void | Promise<void>;
}

export interface FaultResult {
  readonly vendor: string;
  readonly fault: string;
  readonly converged: boolean;
  /** From the fault clearing to every client's view equal to the truth. */
  readonly convergeMs: number;
  /** False events (see `judgeAgainst`) received while the fault was armed. */
  readonly falseDuring: number;
  /** Duplicates received after the fault cleared. */
  readonly duplicatesAfter: number;
  readonly gaps: number;
  /** Events the first client received while the fault was armed. */
  readonly eventsDuring: number;
  /** Requests the simulator received while the fault was armed. */
  readonly requestsDuring: number;
  /** Events the first client received from the fault clearing to convergence (the catch-up). */
  readonly eventsToConverge: number;
}

export interface FaultRun {
  readonly result: FaultResult;
  readonly armedAt: number;
  readonly clearedAt: number;
  /** The client subscribed before the fault (its ledger covers the whole run). */
  readonly early: LedgerClient;
  readonly late: LedgerClient;
  readonly falseEvents: readonly Noted[];
  readonly duplicates: readonly Noted[];
  readonly gaps: readonly string[];
  /** Differences still there at the end (empty when the run converged and stayed so). */
  readonly remaining: readonly string[];
}

const results: FaultResult[] = [];

/** Every result of this test file, in run order. */
export function faultResults(): readonly FaultResult[] {
  return results;
}

/**
 * Runs `plan` on `rig`. The caller asserts on the returned run.
 *
 * @example
 * const run = await runFault(rig, { fault: 'HTTP 500 storm', durationMs: 1200, arm: ..., clear: ... });
 * expect(run.falseEvents).toEqual([]);
 */
export async function runFault(rig: FaultRig, plan: FaultPlan): Promise<FaultRun> {
  const judge = judgeAgainst(rig);
  const clients: LedgerClient[] = [];
  let sdk: CallbridgeClient | undefined;
  try {
    const early = await openLedgerClient(rig.bridge.url, rig.token, rig.tenant, 'early', judge);
    clients.push(early);
    sdk = connect(rig.bridge.url, { token: rig.token, tenants: [rig.tenant], reconnectDelayMs: 100 });
    let sdkResyncs = 0;
    sdk.on('snapshot', (info) => {
      if (info.resync) sdkResyncs += 1;
    });
    await sdk.ready();
    const mirror = sdk.tenant(rig.tenant);
    const disagreements = (): string[] => {
      const truth = rig.truth();
      const out = clients.flatMap((client) => differences(truth, client.view(rig.fields)).map((line) => `${client.name}: ${line}`));
      if (!mirror.live) out.push('sdk: not live');
      out.push(...differences(truth, viewOf((topic) => mirror.state[topic], rig.fields)).map((line) => `sdk: ${line}`));
      return out;
    };
    // The baseline must agree before anything breaks: a later difference is the fault's.
    await waitFor(() => disagreements().length === 0, { timeout: 10_000, message: `${rig.vendor}: no baseline agreement` });

    rig.startScenario();
    await sleep(WARMUP_MS);
    const requestsBefore = rig.requests();
    const armedAt = Date.now();
    await plan.arm();
    await sleep(plan.durationMs / 2);
    const late = await openLedgerClient(rig.bridge.url, rig.token, rig.tenant, 'late', judge);
    clients.push(late);
    await sleep(Math.max(0, armedAt + plan.durationMs - Date.now()));
    rig.stopScenario();
    await plan.clear();
    const clearedAt = Date.now();
    const requestsDuring = rig.requests() - requestsBefore;

    let converged = true;
    try {
      await waitFor(() => disagreements().length === 0, { timeout: CONVERGE_BOUND_MS, interval: 10 });
    } catch {
      converged = false;
    }
    const convergedAt = Date.now();
    const convergeMs = convergedAt - clearedAt;
    await sleep(SETTLE_MS);
    // Callbacks may still end by themselves after the story stopped: allow the next polls.
    await waitFor(() => disagreements().length === 0, { timeout: 5_000, interval: 10 }).catch(() => undefined);
    const remaining = disagreements();

    const falseEvents = clients.flatMap((client) => client.falseEvents.map((note) => ({ ...note, why: `${client.name}: ${note.why}` })));
    const duplicates = clients.flatMap((client) => client.duplicates.map((note) => ({ ...note, why: `${client.name}: ${note.why}` })));
    const gaps = [...clients.flatMap((client) => client.gaps), ...(sdkResyncs > 0 ? [`sdk: ${sdkResyncs} resync snapshot(s)`] : [])];
    const during = (note: Noted) => note.at >= armedAt && note.at <= clearedAt;
    const result: FaultResult = {
      vendor: rig.vendor,
      fault: plan.fault,
      converged: converged && remaining.length === 0,
      convergeMs,
      falseDuring: early.falseEvents.filter(during).length,
      duplicatesAfter: duplicates.filter((note) => note.at > clearedAt).length,
      gaps: gaps.length,
      eventsDuring: early.received.filter(({ at }) => at >= armedAt && at <= clearedAt).length,
      requestsDuring,
      eventsToConverge: early.received.filter(({ at }) => at > clearedAt && at <= convergedAt).length,
    };
    results.push(result);
    console.info(
      `[faults] ${result.vendor} / ${result.fault}: ${result.converged ? `converged in ${convergeMs} ms` : 'DID NOT CONVERGE'}; ` +
        `false events during ${result.falseDuring}, duplicates after ${result.duplicatesAfter}, seq gaps ${result.gaps}; ` +
        `${result.eventsDuring} events and ${requestsDuring} vendor requests during the ${plan.durationMs} ms fault, ` +
        `${result.eventsToConverge} events to converge`,
    );
    return { result, armedAt, clearedAt, early, late, falseEvents, duplicates, gaps, remaining };
  } finally {
    rig.stopScenario();
    sdk?.close();
    for (const client of clients) client.close();
  }
}

/** The results as a Markdown table (printed at the end of each file, pasted into docs/reliability.md). */
export function resultTable(rows: readonly FaultResult[]): string {
  const lines = [
    '| fault | vendor | converged | time to converge | false events during | duplicates after | seq gaps | vendor requests during | events to converge |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.fault} | ${r.vendor} | ${r.converged ? 'yes' : 'NO'} | ${r.convergeMs} ms | ${r.falseDuring} | ${r.duplicatesAfter} | ${r.gaps} | ${r.requestsDuring} | ${r.eventsToConverge} |`,
    ),
  ];
  return lines.join('\n');
}
