/**
 * What each topic's poll asks MiRTA (docs/vendors/mirta.md "Request types") and how its rows
 * become a sample per tenant. The requests go through `get` (the budgeted client); building
 * the entities waits until the sink hands over the previous ones.
 */
import type { Entity } from '../../protocol/entities.js';
import {
  channelTenant,
  normalizeQueueMembers,
  normalizeBlfs,
  normalizeChannels,
  normalizeExtensions,
  normalizeFlows,
  normalizePeers,
  normalizeQueue,
  peerTenant,
  splitByTenant,
  type NormalizeContext,
} from './normalizer.js';
import {
  parseAgents,
  parseBlfs,
  parseChannels,
  parseExtensions,
  parseFlows,
  parsePeers,
  parseQueueInfo,
  parseQueueList,
  type QueueListItem,
  type Row,
} from './parsers.js';
import type { MirtaPollTopic } from './config.js';

export interface BuildContext extends NormalizeContext {
  tenantCode: string;
  /** Every code the source maps. */
  tenantCodes: readonly string[];
  /** The source's entities of this tenant + topic before this poll. */
  previous: ReadonlyMap<string, Entity>;
}

/** One tenant's answer to one poll. */
export interface Sample {
  /** True when MiRTA answered nothing at all for this tenant (see "suspicious polls"). */
  empty: boolean;
  build(ctx: BuildContext): ReadonlyMap<string, Entity>;
}

export interface FetchContext {
  get: (params: Record<string, string>) => Promise<string>;
  /** The tenant code of a per-tenant poll; undefined for one admin-key request for all. */
  code: string | undefined;
  /** The codes this poll fills. */
  codes: readonly string[];
  nodename?: string | undefined;
  /**
   * Where the agents and queues polls get the tenant's queue list (queue-list-cache.ts); by
   * default each poll asks. `fresh` is true for the queues poll, which refreshes it.
   */
  queueList?: ((code: string | undefined, fetch: () => Promise<QueueListItem[]>, options: { fresh: boolean }) => Promise<QueueListItem[]>) | undefined;
}

type RowBuilder = (rows: readonly Row[], ctx: BuildContext) => ReadonlyMap<string, Entity>;

/** One sample per code: the rows of a per-tenant answer, or an admin answer split by tenant. */
function perTenant(rows: Row[], ctx: FetchContext, tenantOf: (codes: readonly string[]) => (row: Row) => string | undefined, build: RowBuilder): Map<string, Sample> {
  const groups = ctx.code !== undefined ? new Map([[ctx.code, rows]]) : splitByTenant(rows, tenantOf(ctx.codes), ctx.codes);
  return new Map([...groups].map(([code, group]) => [code, { empty: group.length === 0, build: (b: BuildContext) => build(group, b) }]));
}

const withTenant = (params: Record<string, string>, code: string | undefined): Record<string, string> =>
  code === undefined ? params : { ...params, tenant: code };

function single(code: string | undefined, empty: boolean, build: (ctx: BuildContext) => ReadonlyMap<string, Entity>): Map<string, Sample> {
  // Per-tenant topics always have a code (the admin-wide ones are peers and channels only).
  return new Map(code === undefined ? [] : [[code, { empty, build }]]);
}

async function queueList(ctx: FetchContext, fresh: boolean): Promise<QueueListItem[]> {
  const fetch = async () => parseQueueList(await ctx.get(withTenant({ reqtype: 'INFO', info: 'queues' }, ctx.code)));
  return ctx.queueList ? ctx.queueList(ctx.code, fetch, { fresh }) : fetch();
}

/** Fetches one topic; throws a PollError when any of its requests fails (then nothing changes). */
export async function fetchTopic(topic: MirtaPollTopic, ctx: FetchContext): Promise<Map<string, Sample>> {
  switch (topic) {
    case 'peers': {
      const rows = parsePeers(await ctx.get(withTenant({ reqtype: 'PEERS' }, ctx.code)));
      return perTenant(rows, ctx, peerTenant, (group, b) => normalizePeers(group, b));
    }
    case 'channels': {
      const params: Record<string, string> = withTenant({ reqtype: 'CHANNELS' }, ctx.code);
      if (ctx.nodename !== undefined) params.nodename = ctx.nodename;
      const rows = parseChannels(await ctx.get(params));
      return perTenant(rows, ctx, channelTenant, (group, b) => normalizeChannels(group, b.previous, b));
    }
    case 'blfs': {
      const rows = parseBlfs(await ctx.get(withTenant({ reqtype: 'BLFS' }, ctx.code)));
      return single(ctx.code, rows.length === 0, (b) => normalizeBlfs(rows, b));
    }
    case 'flows': {
      const rows = parseFlows(await ctx.get(withTenant({ reqtype: 'FLOWS' }, ctx.code)));
      return single(ctx.code, rows.length === 0, (b) => normalizeFlows(rows, b));
    }
    case 'extensions': {
      const rows = parseExtensions(await ctx.get(withTenant({ reqtype: 'INFO', info: 'extensions' }, ctx.code)));
      return single(ctx.code, rows.length === 0, (b) => normalizeExtensions(rows, b));
    }
    case 'queues': {
      const list = await queueList(ctx, true);
      const infos = await Promise.all(list.map(async (q) => parseQueueInfo(await ctx.get(withTenant({ reqtype: 'INFO', info: 'queue', id: q.id }, ctx.code)))));
      return single(ctx.code, list.length === 0, (b) => {
        const queues = new Map<string, Entity>();
        list.forEach((item, i) => {
          const info = infos[i];
          // A listed queue whose details came back empty keeps its last known state rather
          // than vanishing or being published as all zeros.
          const entity = info !== undefined ? normalizeQueue(item, info, b) : b.previous.get(item.id);
          if (entity !== undefined) queues.set(item.id, entity);
        });
        return queues;
      });
    }
    case 'agents': {
      const list = await queueList(ctx, false);
      const members = await Promise.all(
        list.map(async (q) => parseAgents(await ctx.get(withTenant({ reqtype: 'INFO', info: 'agents', queue: q.id }, ctx.code)))),
      );
      // An empty queue (`null`) is plausible and applied at once; only a vanished queue list
      // counts as an empty answer.
      return single(ctx.code, list.length === 0, (b) => normalizeQueueMembers(list.map((q, i) => ({ queue: q.id, rows: members[i] ?? [] })), b));
    }
  }
}

