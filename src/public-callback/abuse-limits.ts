/**
 * The public route's two budgets per widget: requests per client IP and callbacks per called
 * number. rate-limiter-flexible keeps the counters (in memory on one node; in Redis when the
 * bridge runs as a cluster, so a visitor cannot multiply the limit by the number of nodes).
 * Fixed windows are enough here: these are abuse limits, not a vendor's contractual rate.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimitedError, UnavailableError } from '../errors.js';
import type { RateSpec, WidgetConfig } from './widget-config.js';

export interface AbuseLimitsOptions {
  /** Shared counters for a cluster; absent = this process only. */
  redis?: Redis | undefined;
  /** Root of every counter's key; default `cb`. */
  keyPrefix?: string | undefined;
}

interface WidgetLimiters {
  readonly perIp: RateLimiterAbstract;
  readonly perNumber: RateLimiterAbstract;
}

export class AbuseLimits {
  readonly #limiters = new Map<string, WidgetLimiters>();

  constructor(widgets: readonly WidgetConfig[], options: AbuseLimitsOptions = {}) {
    const make = (spec: RateSpec, keyPrefix: string): RateLimiterAbstract => {
      const base = { points: spec.points, duration: Math.ceil(spec.windowMs / 1000), keyPrefix };
      return options.redis ? new RateLimiterRedis({ ...base, storeClient: options.redis }) : new RateLimiterMemory(base);
    };
    const root = options.keyPrefix ?? 'cb';
    for (const widget of widgets) {
      this.#limiters.set(widget.key, {
        perIp: make(widget.limits.perIp, `${root}:widget:${widget.key}:ip`),
        perNumber: make(widget.limits.perNumber, `${root}:widget:${widget.key}:number`),
      });
    }
  }

  /** Counts one request from `ip`; `rate_limited` (with Retry-After seconds) past the limit. */
  consumeIp(widgetKey: string, ip: string): Promise<void> {
    return consume(this.#get(widgetKey).perIp, ip, 'too many callback requests from this address; try again later');
  }

  /** Counts one callback to `number` (E.164 digits); `rate_limited` past the limit. */
  consumeNumber(widgetKey: string, number: string): Promise<void> {
    return consume(this.#get(widgetKey).perNumber, number, 'this number was called back recently; try again later');
  }

  /** Gives the number's point back: the callback never reached the vendor. */
  async refundNumber(widgetKey: string, number: string): Promise<void> {
    await this.#get(widgetKey).perNumber.reward(number, 1).catch(() => undefined);
  }

  #get(widgetKey: string): WidgetLimiters {
    const limiters = this.#limiters.get(widgetKey);
    if (!limiters) throw new Error(`no limiters for widget ${widgetKey}`);
    return limiters;
  }
}

async function consume(limiter: RateLimiterAbstract, key: string, message: string): Promise<void> {
  try {
    await limiter.consume(key, 1);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw new RateLimitedError(message, Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
    // The store failed (Redis down): refuse rather than let an unlimited public route through.
    throw new UnavailableError('callback limits are unavailable; try again shortly');
  }
}
