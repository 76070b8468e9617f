/**
 * A real server on port 0 with a real Bus and memory stores, for the server tests. Log lines are
 * captured so tests can check that no token ever reaches them.
 */
import { Writable } from 'node:stream';
import { Bus } from '../../src/bus/bus.js';
import type { EventDraft } from '../../src/bus/event-log.js';
import { MemoryEventLog } from '../../src/bus/memory-event-log.js';
import { MemoryStateStore } from '../../src/bus/memory-state-store.js';
import type { CommandService } from '../../src/commands/command-service.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { BridgeMetrics } from '../../src/observability/metrics.js';
import type { SourceStatus, Topic } from '../../src/protocol/entities.js';
import type { BridgeEvent } from '../../src/protocol/events.js';
import { createServer, type BridgeServer } from '../../src/server/create-server.js';
import { SourceDirectory } from '../../src/sources/source-directory.js';
import type { Source } from '../../src/sources/source.js';
import { createLogger } from '../../src/util/logger.js';

export const TOKENS = {
  /** events:read on acme. */
  acme: 'static-acme-token-0123456789',
  /** everything on globex. */
  globex: 'static-globex-token-0123456789',
  /** everything on acme and globex. */
  admin: 'static-admin-token-0123456789',
  /** commands only on acme: no events:read. */
  noRead: 'static-noread-token-0123456789',
} as const;

export const JWT_SECRET = 'test-jwt-secret-0123456789abcdefghijklmnop';

export interface HarnessOptions {
  commands?: CommandService;
  sources?: Source[];
  logSize?: number;
  maxSocketBacklog?: number;
  ssePingIntervalMs?: number;
  /** The config's `clients` block (abuse limits). */
  clients?: Record<string, unknown>;
  /** `listen.trustProxy`. */
  trustProxy?: boolean | string | string[];
}

export interface Harness {
  readonly url: string;
  readonly bus: Bus;
  readonly metrics: BridgeMetrics;
  readonly server: BridgeServer;
  readonly sources: SourceDirectory;
  /** Every log line written so far (JSON text). */
  readonly logs: string[];
  publish(tenant: string, drafts: EventDraft[]): Promise<BridgeEvent[]>;
  close(): Promise<void>;
}

export async function startServer(options: HarnessOptions = {}): Promise<Harness> {
  const config = ConfigSchema.parse({
    listen: { host: '127.0.0.1', port: 0, ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }) },
    ...(options.clients ? { clients: options.clients } : {}),
    auth: {
      tokens: [
        { token: TOKENS.acme, name: 'acme-wallboard', tenants: ['acme'], scopes: ['events:read'] },
        { token: TOKENS.globex, tenants: ['globex'], scopes: ['*'] },
        { token: TOKENS.admin, name: 'admin', tenants: ['acme', 'globex'], scopes: ['*'] },
        { token: TOKENS.noRead, name: 'crm', tenants: ['acme'], scopes: ['commands:call'] },
      ],
      jwtSecret: JWT_SECRET,
    },
    bus: { logSize: options.logSize ?? 1000 },
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const bus = new Bus({
    log: new MemoryEventLog({ maxEvents: config.bus.logSize, maxAgeMs: config.bus.logAge }),
    state: new MemoryStateStore(),
    logger,
  });
  const metrics = new BridgeMetrics({ eventLogSize: () => bus.logSize() });
  const sources = new SourceDirectory();
  for (const source of options.sources ?? []) sources.add(source);
  const server = await createServer({
    config,
    bus,
    sources,
    metrics,
    logger,
    commands: options.commands,
    maxSocketBacklog: options.maxSocketBacklog,
    ssePingIntervalMs: options.ssePingIntervalMs,
  });
  const { url } = await server.listen();
  return {
    url,
    bus,
    metrics,
    server,
    sources,
    logs,
    publish: (tenant, drafts) => bus.publish(tenant, drafts),
    async close() {
      await server.close();
      await bus.close();
    },
  };
}

let clock = Date.parse('2026-11-23T10:00:00.000Z');
const nextTs = (): string => new Date((clock += 1000)).toISOString();

/** A `blf.changed` draft; its entity carries a vendor `raw` record that must not leak. */
export function blf(extension: string, state: 'idle' | 'inuse' | 'busy' | 'ringing' = 'inuse', source = 'pbx-1'): EventDraft {
  const ts = nextTs();
  return {
    topic: 'blfs',
    type: 'blf.changed',
    key: extension,
    source,
    ts,
    data: { source, observedAt: ts, extension, state, raw: { hint: `${extension}@ext` } },
    changed: ['state'],
  };
}

/** A `queue.updated` draft. */
export function queue(id: string, waiting: number, source = 'pbx-1'): EventDraft {
  const ts = nextTs();
  return { topic: 'queues', type: 'queue.updated', key: id, source, ts, data: { source, observedAt: ts, queue: id, waiting } };
}

/** A stand-in Source for the directory: only its descriptor and status matter to the server. */
export function fakeSource(
  id: string,
  tenants: string[],
  /** null: no poll result yet. */
  status: SourceStatus | null = 'up',
  topics: Topic[] = ['blfs', 'queues'],
): Source {
  return {
    id,
    vendor: 'mirta',
    tenants,
    topics,
    commands: ['dial', 'hangup'],
    status: status ?? undefined,
    start: async () => {},
    stop: async () => {},
    execute: async () => ({ result: {} }),
  };
}
