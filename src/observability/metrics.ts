/**
 * The bridge's Prometheus metrics, one registry per bridge instance (tests run several).
 * Labels are source ids, topics, event types and outcomes: never a token, number or key.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type PollResult = 'ok' | 'failed';

export class BridgeMetrics {
  readonly registry = new Registry();
  readonly polls: Counter<'source' | 'topic' | 'result' | 'reason'>;
  readonly pollDuration: Histogram<'source' | 'topic'>;
  readonly events: Counter<'type'>;
  readonly clients: Gauge;
  readonly commands: Counter<'source' | 'type' | 'outcome'>;
  readonly commandLatency: Histogram<'source' | 'type'>;
  readonly vendorMessagesIgnored: Counter<'source' | 'reason'>;
  /** Socket clients turned away by an abuse limit; `reason` only (never an address or token). */
  readonly clientRefusals: Counter<'reason'>;

  constructor(options: { eventLogSize?: () => number; defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    this.polls = new Counter({
      name: 'callbridge_polls_total',
      help: 'Vendor polls by source, topic and result',
      labelNames: ['source', 'topic', 'result', 'reason'],
      registers,
    });
    this.pollDuration = new Histogram({
      name: 'callbridge_poll_duration_seconds',
      help: 'Duration of vendor polls',
      labelNames: ['source', 'topic'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.events = new Counter({
      name: 'callbridge_events_total',
      help: 'Events published on the bus, by type',
      labelNames: ['type'],
      registers,
    });
    this.clients = new Gauge({ name: 'callbridge_connected_clients', help: 'Connected socket.io clients', registers });
    this.commands = new Counter({
      name: 'callbridge_commands_total',
      help: 'Commands by source, type and outcome (ok or an error code)',
      labelNames: ['source', 'type', 'outcome'],
      registers,
    });
    this.commandLatency = new Histogram({
      name: 'callbridge_command_duration_seconds',
      help: 'Command latency from acceptance to the vendor answer',
      labelNames: ['source', 'type'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.vendorMessagesIgnored = new Counter({
      name: 'callbridge_vendor_messages_ignored_total',
      help: 'Vendor messages ignored (garbage frames, unknown events)',
      labelNames: ['source', 'reason'],
      registers,
    });
    this.clientRefusals = new Counter({
      name: 'callbridge_client_refusals_total',
      help: 'Socket clients refused by an abuse limit: connections_per_ip, call_rate or subscriptions',
      labelNames: ['reason'],
      registers,
    });
    const sizeFn = options.eventLogSize;
    new Gauge({
      name: 'callbridge_event_log_size',
      help: 'Events held in the replay log',
      registers,
      collect() {
        this.set(sizeFn ? sizeFn() : 0);
      },
    });
  }

  /** Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
