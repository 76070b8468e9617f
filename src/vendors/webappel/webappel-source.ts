/**
 * The WebAppel source: `callback.request` -> `appel`, `callback.cancel` -> `appel_annuler`, and
 * one PollLoop that reads the listing (`appel_listing` or `appels_resume`) per tracking id it
 * knows until each has a final `etat`. The listings show a callback only once it has ended, so
 * between the request and the end the callback stays `requested` (vendors README §5.1b).
 */
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { InvalidArgumentError, NotFoundError, VendorError } from '../../errors.js';
import type { BridgeMetrics } from '../../observability/metrics.js';
import { PollError, isPollError } from '../../pollers/poll-error.js';
import { PollLoop } from '../../pollers/poll-loop.js';
import type { SnapshotSink } from '../../pollers/snapshot-sink.js';
import type { SourceHealth } from '../../pollers/source-health.js';
import type { CommandType, ValidatedCommand } from '../../protocol/commands.js';
import type { Callback, Entity, SourceStatus, Topic } from '../../protocol/entities.js';
import { createSourceOutputs } from '../../sources/health-publisher.js';
import type { CommandContext, CommandOutcome, Source, SourceContext } from '../../sources/source.js';
import type { VendorBudget } from '../../sources/vendor-budget.js';
import { toPollError } from '../http-errors.js';
import { WEBAPPEL_VENDOR_NAME, WebAppelClient, vendorPollError } from './client.js';
import type { WebAppelSourceConfig } from './config.js';
import { isOk, isTrackingId, looksLikeAuthError, mapEtat, parseAppelReply, parseListing, type ListingRow } from './parsers.js';
import { childWith } from '../../util/logger.js';

export const WEBAPPEL_COMMANDS: readonly CommandType[] = ['callback.request', 'callback.cancel'];
const TOPIC: Topic = 'callbacks';
const HEALTH_PART = 'callbacks';
const USR_FIELDS: ReadonlySet<string> = new Set(['usr1', 'usr2', 'usr3']);

export interface WebAppelSourceOptions extends SourceContext {
  config: WebAppelSourceConfig;
  metrics?: BridgeMetrics;
  dispatcher?: Dispatcher;
}

/** A callback the poller still waits for. */
interface Tracked {
  trackingId: string;
  popup: string;
  number: string;
  name: string | undefined;
  requestedAt: number;
  /** When the vendor may start calling (`requestedAt` + `delais`). */
  startsAt: number;
}

/** `+33170200258` / `33170200258` -> `33170200258`; anything else is refused. */
export function toE164(number: string): string {
  const digits = number.startsWith('+') ? number.slice(1) : number;
  if (!/^[0-9]{4,20}$/.test(digits)) throw new InvalidArgumentError('number must be an international number in digits (e164), e.g. 33170200258');
  return digits;
}

export class WebAppelSource implements Source {
  readonly id: string;
  readonly vendor = 'webappel';
  readonly tenants: readonly string[];
  readonly topics: readonly Topic[] = [TOPIC];
  readonly commands: readonly CommandType[] = WEBAPPEL_COMMANDS;
  readonly #config: WebAppelSourceConfig;
  readonly #client: WebAppelClient;
  readonly #sink: SnapshotSink;
  readonly #health: SourceHealth;
  readonly #budget: VendorBudget;
  readonly #logger: Logger;
  readonly #metrics: BridgeMetrics | undefined;
  readonly #now: () => Date;
  readonly #popups: ReadonlySet<string>;
  readonly #tracked = new Map<string, Tracked>();
  #lastCheck: { at: number; ok: boolean } | undefined;
  #loop: PollLoop | undefined;

  constructor(options: WebAppelSourceOptions) {
    const config = options.config;
    this.#config = config;
    this.id = config.id;
    this.tenants = [config.tenant];
    this.#popups = new Set(config.popups);
    this.#budget = options.budget;
    this.#logger = childWith(options.logger, { source: config.id, vendor: 'webappel' });
    this.#metrics = options.metrics;
    this.#now = options.now ?? (() => new Date());
    const clientOptions: ConstructorParameters<typeof WebAppelClient>[0] = {
      url: config.url,
      email: config.email,
      pass: config.pass,
      connections: config.limits.concurrency,
    };
    if (options.dispatcher) clientOptions.dispatcher = options.dispatcher;
    this.#client = new WebAppelClient(clientOptions);
    ({ sink: this.#sink, health: this.#health } = createSourceOutputs({
      bus: options.bus,
      source: config.id,
      vendor: 'webappel',
      tenants: this.tenants,
      downAfter: config.health.downAfter,
      // The publisher and the conflict warning add `source` themselves.
      logger: options.logger,
      now: this.#now,
    }));
  }

  get status(): SourceStatus | undefined {
    return this.#health.status;
  }

  /** Tracking ids still polled (tests, diagnostics). */
  get pending(): readonly string[] {
    return [...this.#tracked.keys()];
  }

  async start(): Promise<void> {
    if (this.#loop || this.#config.poll <= 0) return;
    await this.#resume();
    const labels = { source: this.id, topic: TOPIC };
    const loop: PollLoop = new PollLoop({
      intervalMs: this.#config.poll,
      timeoutMs: this.#config.limits.timeout,
      poll: async (signal) => {
        const end = this.#metrics?.pollDuration.startTimer(labels);
        try {
          await this.#poll(signal);
        } catch (err) {
          throw this.#asPollError(err, signal);
        } finally {
          end?.();
        }
      },
      onSuccess: () => {
        this.#metrics?.polls.inc({ ...labels, result: 'ok', reason: '' });
        this.#health.succeeded(HEALTH_PART);
      },
      onFailure: (err) => {
        const failure = isPollError(err) ? err : new PollError('vendor', 'poll failed');
        this.#metrics?.polls.inc({ ...labels, result: 'failed', reason: failure.reason });
        const level = loop.consecutiveFailures === 1 ? 'warn' : 'debug';
        this.#logger[level]({ op: 'listing', reason: failure.reason, error: failure.message }, 'webappel poll failed');
        this.#health.failed(HEALTH_PART, failure.message);
      },
    });
    this.#loop = loop;
    loop.start();
  }

  async stop(): Promise<void> {
    const loop = this.#loop;
    this.#loop = undefined;
    await loop?.stop();
    await this.#client.close();
  }

  async execute(command: ValidatedCommand, context: CommandContext): Promise<CommandOutcome> {
    if (command.tenant !== this.#config.tenant) throw new NotFoundError('this source does not serve the tenant');
    switch (command.type) {
      case 'callback.request':
        return this.#request(command.id, command.args, context.signal);
      case 'callback.cancel':
        return this.#cancel(command.id, command.args, context.signal);
      default:
        throw new InvalidArgumentError(`${command.type} is not supported by WebAppel`);
    }
  }

  #popup(popup: string): string {
    if (!this.#popups.has(popup)) throw new InvalidArgumentError(`popup ${popup} is not configured for this source`);
    return popup;
  }

  async #request(
    commandId: string,
    args: Extract<ValidatedCommand, { type: 'callback.request' }>['args'],
    signal: AbortSignal,
  ): Promise<CommandOutcome> {
    const popup = this.#popup(args.popup);
    const e164 = toE164(args.number);
    const params: Record<string, string> = {
      id_popup: popup,
      e164,
      nbressais: String(this.#config.appel.nbressais),
      rec: this.#config.appel.rec,
      dureemaxi: String(this.#config.appel.dureemaxi),
    };
    if (args.delaySec !== undefined && args.delaySec > 0) params.delais = String(args.delaySec);
    if (args.name !== undefined && args.name !== '') params.nom = args.name;
    for (const [field, value] of Object.entries(args.fields ?? {})) {
      if (!USR_FIELDS.has(field)) throw new InvalidArgumentError('fields may only be usr1, usr2, usr3');
      if (value.length > 32) throw new InvalidArgumentError(`${field} is longer than 32 characters`);
      params[field] = value;
    }
    this.#logger.info({ op: 'appel', tenant: this.#config.tenant, popup, command: commandId }, 'webappel command');
    const body = await this.#client.request('appel', params, { kind: 'command', timeoutMs: this.#config.limits.timeout, signal });
    const reply = parseAppelReply(body);
    if (!reply.ok) throw new VendorError(`${WEBAPPEL_VENDOR_NAME} refused the callback: ${this.#client.redact(reply.text) || 'empty answer'}`);
    const now = this.#now().getTime();
    const tracked: Tracked = {
      trackingId: reply.trackingId,
      popup,
      number: e164,
      name: args.name,
      requestedAt: now,
      startsAt: now + (args.delaySec ?? 0) * 1000,
    };
    this.#track(tracked);
    await this.#publish([this.#entity(tracked, { state: 'requested' })]);
    const trackingId = reply.trackingId;
    return {
      result: { trackingId },
      observe: { topic: TOPIC, matches: (_entity, key) => key === trackingId },
    };
  }

  async #cancel(
    commandId: string,
    args: Extract<ValidatedCommand, { type: 'callback.cancel' }>['args'],
    signal: AbortSignal,
  ): Promise<CommandOutcome> {
    const popup = this.#popup(args.popup);
    const trackingId = args.trackingId;
    if (!isTrackingId(trackingId)) throw new InvalidArgumentError('trackingId must be letters, digits, _ or -');
    this.#logger.info({ op: 'appel_annuler', tenant: this.#config.tenant, popup, command: commandId }, 'webappel command');
    const body = await this.#client.request('appel_annuler', { id_popup: popup, id_contact: trackingId }, {
      kind: 'command',
      timeoutMs: this.#config.limits.timeout,
      signal,
    });
    if (!isOk(body)) throw new VendorError(`${WEBAPPEL_VENDOR_NAME} refused to cancel: ${this.#client.redact(body) || 'empty answer'}`);
    const tracked = this.#tracked.get(trackingId);
    this.#tracked.delete(trackingId);
    const known = (await this.#sink.get(this.#config.tenant, TOPIC, trackingId)) as Callback | undefined;
    const base: Callback =
      known ?? (tracked ? this.#entity(tracked, { state: 'requested' }) : { source: this.id, observedAt: '', trackingId, popup, number: '', state: 'requested' });
    const cancelled: Callback = { ...base, observedAt: this.#now().toISOString(), state: 'cancelled' };
    delete cancelled.reason;
    await this.#publish([cancelled]);
    return {
      result: { trackingId },
      observe: { topic: TOPIC, matches: (entity, key) => key === trackingId && entity.state === 'cancelled' },
    };
  }

  #track(tracked: Tracked): void {
    this.#tracked.set(tracked.trackingId, tracked);
    while (this.#tracked.size > this.#config.maxTracked) {
      const oldest = this.#tracked.keys().next().value;
      if (oldest === undefined) break;
      this.#tracked.delete(oldest);
      this.#logger.warn({ trackingId: oldest }, 'webappel: too many pending callbacks; the oldest is no longer polled');
    }
  }

  /** Picks up the callbacks this source left `requested` (a restart with a persistent state store). */
  async #resume(): Promise<void> {
    const current = await this.#sink.current(this.#config.tenant, TOPIC);
    for (const entity of current.values()) {
      const cb = entity as Callback;
      if (cb.state !== 'requested') continue;
      const requestedAt = Date.parse(String(cb.requestedAt ?? '')) || this.#now().getTime();
      const startsAt = Date.parse(String(cb.startsAt ?? '')) || requestedAt;
      this.#track({ trackingId: cb.trackingId, popup: cb.popup, number: cb.number, name: typeof cb.name === 'string' ? cb.name : undefined, requestedAt, startsAt });
    }
  }

  #entity(tracked: Tracked, fields: { state: Callback['state']; reason?: string }, row?: ListingRow): Callback {
    const entity: Callback = {
      source: this.id,
      observedAt: this.#now().toISOString(),
      trackingId: tracked.trackingId,
      popup: tracked.popup,
      number: tracked.number,
      state: fields.state,
      requestedAt: new Date(tracked.requestedAt).toISOString(),
    };
    if (tracked.startsAt !== tracked.requestedAt) entity.startsAt = new Date(tracked.startsAt).toISOString();
    if (tracked.name !== undefined) entity.name = tracked.name;
    if (fields.reason !== undefined) entity.reason = fields.reason;
    if (row) {
      const duration = Number(row.duree_appel);
      if (row.duree_appel !== undefined && row.duree_appel !== '' && Number.isFinite(duration)) entity.durationSec = duration;
      if (row.date_time) entity.vendorTime = row.date_time;
    }
    return entity;
  }

  async #publish(entities: readonly Callback[]): Promise<void> {
    if (entities.length === 0) return;
    await this.#sink.patch(this.#config.tenant, TOPIC, new Map<string, Entity>(entities.map((e) => [e.trackingId, e])));
  }

  #asPollError(err: unknown, signal: AbortSignal): PollError {
    if (isPollError(err)) return err;
    const code = (err as { code?: unknown } | null)?.code;
    if (signal.aborted || (typeof code === 'string' && code !== '')) return toPollError(err, { vendor: WEBAPPEL_VENDOR_NAME, signal });
    this.#logger.error({ err, op: 'listing' }, 'webappel poll crashed');
    return new PollError('vendor', 'internal error while polling');
  }

  #get(params: Record<string, string>, signal: AbortSignal): Promise<string> {
    const timeoutMs = this.#config.limits.timeout;
    return this.#budget.run('poll', (slot) => this.#client.request(this.#config.listing, params, { kind: 'poll', timeoutMs, signal: slot ?? signal }), signal);
  }

  #rows(body: string): ListingRow[] {
    const reply = parseListing(body, this.#config.listing);
    if (reply.ok) return reply.rows;
    throw vendorPollError(this.#client.redact(reply.text), looksLikeAuthError(reply.text));
  }

  /** One poll: every pending tracking id, or (with none) a credentials check now and then. */
  async #poll(signal: AbortSignal): Promise<void> {
    const now = this.#now().getTime();
    const pending = [...this.#tracked.values()];
    if (pending.length === 0) {
      if (this.#lastCheck?.ok && now - this.#lastCheck.at < this.#config.idleCheck) return;
      const day = new Date(now).toISOString().slice(0, 10);
      const first = this.#config.popups[0] ?? '';
      try {
        this.#rows(await this.#get({ id_popup: first, date_debut: day, date_fin: day }, signal));
        this.#lastCheck = { at: now, ok: true };
      } catch (err) {
        this.#lastCheck = { at: now, ok: false };
        throw err;
      }
      return;
    }
    const results = await Promise.allSettled(
      pending.map(async (tracked) => ({ tracked, rows: this.#rows(await this.#get({ id_popup: tracked.popup, id_tracking: tracked.trackingId }, signal)) })),
    );
    const finals: Callback[] = [];
    let failure: unknown;
    for (const result of results) {
      if (result.status === 'rejected') {
        failure ??= result.reason;
        continue;
      }
      const { tracked, rows } = result.value;
      if (!this.#tracked.has(tracked.trackingId)) continue; // cancelled meanwhile
      const row = rows.find((r) => r.id_tracking === tracked.trackingId);
      if (row) {
        this.#tracked.delete(tracked.trackingId);
        finals.push(this.#entity(tracked, mapEtat(row.etat), row));
      } else if (now - tracked.startsAt > this.#config.giveUpAfter) {
        this.#tracked.delete(tracked.trackingId);
        finals.push(this.#entity(tracked, { state: 'failed', reason: 'no final state reported by WebAppel in time' }));
      }
    }
    await this.#publish(finals);
    if (failure !== undefined) throw failure;
    this.#lastCheck = { at: now, ok: true };
  }
}
