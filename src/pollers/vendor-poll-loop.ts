/**
 * A PollLoop wired the way every polled vendor needs it: poll-duration and poll-count metrics per
 * source + topic, health per part, one warning per failure streak (the rest at debug, or a 1 s
 * poll would flood the log), and any error turned into a PollError whose message is safe to
 * publish (transport errors classified by vendor, anything else logged whole as a crash).
 */
import type { Logger } from 'pino';
import type { BridgeMetrics } from '../observability/metrics.js';
import { toPollError } from '../vendors/http-errors.js';
import { PollError, isPollError } from './poll-error.js';
import { PollLoop } from './poll-loop.js';
import type { SourceHealth } from './source-health.js';

export interface VendorPollLoopOptions {
  /** Vendor name for messages (`XiVO`, `PBXware`). */
  vendor: string;
  source: string;
  /** Metric label and health part. */
  topic: string;
  intervalMs: number;
  timeoutMs: number;
  poll: (signal: AbortSignal) => Promise<void>;
  health: SourceHealth;
  logger: Logger;
  metrics?: BridgeMetrics | undefined;
}

/**
 * @example
 * const loop = vendorPollLoop({ vendor: 'XiVO', source: id, topic: 'cel', intervalMs, timeoutMs, poll, health, logger, metrics });
 * loop.start();
 */
export function vendorPollLoop(options: VendorPollLoopOptions): PollLoop {
  const { vendor, topic, health, logger, metrics } = options;
  const labels = { source: options.source, topic };
  const toFailure = (err: unknown, signal: AbortSignal): PollError => {
    if (isPollError(err)) return err;
    const code = (err as { code?: unknown } | null)?.code;
    if (signal.aborted || (typeof code === 'string' && code !== '')) return toPollError(err, { vendor, signal });
    logger.error({ err, op: topic }, `${vendor} poll crashed`);
    return new PollError('vendor', 'internal error while polling');
  };
  const loop: PollLoop = new PollLoop({
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    poll: async (signal) => {
      const end = metrics?.pollDuration.startTimer(labels);
      try {
        await options.poll(signal);
      } catch (err) {
        throw toFailure(err, signal);
      } finally {
        end?.();
      }
    },
    onSuccess: () => {
      metrics?.polls.inc({ ...labels, result: 'ok', reason: '' });
      health.succeeded(topic);
    },
    onFailure: (err) => {
      const failure = isPollError(err) ? err : new PollError('vendor', 'poll failed');
      metrics?.polls.inc({ ...labels, result: 'failed', reason: failure.reason });
      const level = loop.consecutiveFailures === 1 ? 'warn' : 'debug';
      logger[level]({ op: topic, reason: failure.reason, error: failure.message }, `${vendor.toLowerCase()} poll failed`);
      health.failed(topic, failure.message);
    },
  });
  return loop;
}
