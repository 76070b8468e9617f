/**
 * Reads a MiRTA simulator's request log the way the demand bench reports it: requests named by
 * the poll they belong to, counted in a time window, and the first poll of each loop after a
 * given moment.
 */
import type { LoggedRequest, RequestLog } from '../../src/simulators/mirta/index.js';

/**
 * Each request's name in the report, and the topic whose poll sends it. `INFO queues` (the queue
 * list) is sent by both the queues and the agents polls, so it names no topic of its own.
 */
export const REQUEST_TOPICS: Readonly<Record<string, string | undefined>> = Object.freeze({
  PEERS: 'peers',
  CHANNELS: 'channels',
  BLFS: 'blfs',
  FLOWS: 'flows',
  'INFO agents': 'agents',
  'INFO queue': 'queues',
  'INFO queues': undefined,
  'INFO extensions': 'extensions',
});

export function requestName(request: LoggedRequest): string {
  return request.reqtype === 'INFO' ? `INFO ${request.query.info ?? '?'}` : request.reqtype;
}

/** Which loop sent it: the request name plus its tenant (admin-wide polls have none). */
function loopOf(request: LoggedRequest): string {
  return `${requestName(request)}|${request.query.tenant ?? '*'}`;
}

/** Requests per name that arrived in [from, to) (simulator clock: `Date.now`). */
export function countBetween(log: RequestLog, from: number, to: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of log.entries) {
    if (request.at < from || request.at >= to) continue;
    const name = requestName(request);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/**
 * For one topic: ms from `at` until every loop of that topic (one per tenant, or one admin-wide)
 * had sent its first request at or after `at`. Loops are the ones seen before `at`. `undefined`
 * when some loop sent nothing after `at`.
 */
export function reactionMs(log: RequestLog, topic: string, at: number): number | undefined {
  const names = new Set(Object.entries(REQUEST_TOPICS).filter(([, t]) => t === topic).map(([name]) => name));
  const firstAfter = new Map<string, number | undefined>();
  for (const request of log.entries) {
    if (!names.has(requestName(request))) continue;
    const loop = loopOf(request);
    if (request.at < at) {
      if (!firstAfter.has(loop)) firstAfter.set(loop, undefined);
    } else if (firstAfter.get(loop) === undefined) {
      firstAfter.set(loop, request.at);
    }
  }
  if (firstAfter.size === 0) return undefined;
  let slowest = 0;
  for (const first of firstAfter.values()) {
    if (first === undefined) return undefined;
    slowest = Math.max(slowest, first - at);
  }
  return slowest;
}
