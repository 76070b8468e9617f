/** Shared set-up for the dispatcher tests: a real Bus, real VendorBudgets, scripted sources. */
import pino, { type Logger } from 'pino';
import { Bus } from '../../src/bus/bus.js';
import { MemoryEventLog } from '../../src/bus/memory-event-log.js';
import { MemoryStateStore } from '../../src/bus/memory-state-store.js';
import type { Principal } from '../../src/auth/principal.js';
import type { Scope } from '../../src/config/schema.js';
import { CommandDispatcher, type CommandLimits } from '../../src/commands/command-dispatcher.js';
import { MemoryIdempotencyStore } from '../../src/commands/memory-idempotency-store.js';
import type { CommandUpdateEvent } from '../../src/protocol/events.js';
import { SourceDirectory } from '../../src/sources/source-directory.js';
import { VendorBudget, type VendorBudgetOptions } from '../../src/sources/vendor-budget.js';
import { BridgeMetrics } from '../../src/observability/metrics.js';
import { ScriptedSource, type ScriptedSourceOptions } from '../support/scripted-source.js';

export interface HarnessOptions {
  sources?: ScriptedSourceOptions[];
  budget?: Partial<VendorBudgetOptions>;
  limits?: Partial<CommandLimits>;
  now?: () => number;
  observationWindowMs?: number;
}

export interface Harness {
  dispatcher: CommandDispatcher;
  bus: Bus;
  source: ScriptedSource;
  sources: Map<string, ScriptedSource>;
  store: MemoryIdempotencyStore;
  metrics: BridgeMetrics;
  /** Parsed audit lines. */
  logLines: Record<string, unknown>[];
  logger: Logger;
  close(): Promise<void>;
}

export function principal(scopes: Scope[] = ['*'], tenants: string[] = ['acme']): Principal {
  return { label: 'test-token', tenants: new Set(tenants), scopes: new Set(scopes) };
}

export function dial(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, tenant: 'acme', type: 'dial', args: { from: '1001', to: '33170200258' }, ...overrides };
}

export function createHarness(options: HarnessOptions = {}): Harness {
  const logLines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
  const bus = new Bus({
    log: new MemoryEventLog({ maxEvents: 1000, maxAgeMs: 60_000 }),
    state: new MemoryStateStore(),
    logger,
  });
  const directory = new SourceDirectory();
  const sources = new Map<string, ScriptedSource>();
  const budgets = new Map<string, VendorBudget>();
  for (const sourceOptions of options.sources ?? [{ id: 'mirta-main', tenants: ['acme'] }]) {
    const source = new ScriptedSource(sourceOptions);
    directory.add(source);
    sources.set(source.id, source);
    budgets.set(source.id, new VendorBudget({ concurrency: 2, perSecond: 100, queue: 100, ...options.budget }));
  }
  const limits: CommandLimits = { timeout: 2_000, breakerThreshold: 5, breakerCooldown: 10_000, ...options.limits };
  const store = new MemoryIdempotencyStore();
  const metrics = new BridgeMetrics();
  const dispatcher = new CommandDispatcher({
    sources: directory,
    budgets,
    limits: () => limits,
    store,
    bus,
    logger,
    metrics,
    now: options.now,
    observationWindowMs: options.observationWindowMs,
  });
  const [first] = sources.values();
  if (!first) throw new Error('harness needs a source');
  return {
    dispatcher,
    bus,
    source: first,
    sources,
    store,
    metrics,
    logLines,
    logger,
    async close() {
      await dispatcher.close();
      await store.close();
      await bus.close();
    },
  };
}

/** Collects `command.updated` events; `states()` lists them in order. */
export function recorder(): { notify: (u: CommandUpdateEvent) => void; updates: CommandUpdateEvent[]; states: () => string[] } {
  const updates: CommandUpdateEvent[] = [];
  return { notify: (u) => updates.push(u), updates, states: () => updates.map((u) => u.data.state) };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it is true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await sleep(5);
  }
}
