/**
 * CdrFollower against an in-memory CDR table (a manual clock, no timers, no sockets): the
 * lookback overlap, the seen set, paging that resumes where a failure stopped it.
 */
import { describe, expect, it } from 'vitest';
import { CdrFollower, type CdrFollowerOptions, type TenantCdrCursor } from '../../../src/vendors/pbxware/index.js';
import type { CdrRecord } from '../../../src/vendors/pbxware/normalizer.js';
import type { CdrPage } from '../../../src/vendors/pbxware/parsers.js';
import { parsePbxDateTime } from '../../../src/simulators/pbxware/index.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const HEADER = ['From', 'To', 'Date/Time', 'Total Duration', 'Status', 'Unique ID'];

interface Row {
  id: string;
  startedAt: number;
}

/** A table filtered by the request's dates, paged, in `order`; records what was asked. */
function fakePbx(order: 'asc' | 'desc' = 'asc') {
  const rows: Row[] = [];
  const asked: Array<Record<string, string>> = [];
  let failNext = 0;
  const fetch = async (params: Readonly<Record<string, string>>): Promise<CdrPage> => {
    asked.push({ ...params });
    if (failNext > 0) {
      failNext--;
      throw new Error('network');
    }
    const from = parsePbxDateTime(params.start ?? '', params.starttime ?? '', 0) ?? NaN;
    const to = parsePbxDateTime(params.end ?? '', params.endtime ?? '', 0) ?? NaN;
    const page = Number(params.page);
    const limit = Number(params.limit);
    const matching = rows.filter((r) => r.startedAt >= from && r.startedAt <= to + 999).sort((a, b) => a.startedAt - b.startedAt);
    if (order === 'desc') matching.reverse();
    const slice = matching.slice((page - 1) * limit, page * limit);
    return { header: HEADER, rows: slice.map((r) => ['530', '531', String(r.startedAt / 1000), '10', 'Answered', r.id]), nextPage: page * limit < matching.length };
  };
  return { rows, asked, fetch, failOnce: () => void (failNext = 1) };
}

function follower(clock: { now: number }, options: Partial<CdrFollowerOptions> = {}, cursor?: TenantCdrCursor) {
  const published: CdrRecord[] = [];
  const state = cursor ?? { server: '2', watermark: undefined, seen: new Map<string, number>() };
  const f = new CdrFollower(state, {
    lookbackMs: 60 * MIN,
    pageSize: 2,
    maxPagesPerPoll: 10,
    timeZone: 'UTC',
    silentStart: false,
    now: () => clock.now,
    ...options,
  });
  const publish = async (records: readonly CdrRecord[]) => void published.push(...records);
  const ids = () => published.map((r) => r.fields.uniqueId);
  return { f, published, publish, ids, state };
}

describe('CdrFollower', () => {
  it('re-reads the lookback: a CDR written late (a long call) is caught once, nothing repeats', async () => {
    const clock = { now: T0 };
    const pbx = fakePbx();
    const { f, publish, ids, state } = follower(clock);
    pbx.rows.push({ id: 'a', startedAt: T0 - 5 * MIN }, { id: 'b', startedAt: T0 - 2 * MIN });
    await f.poll(pbx.fetch, publish);
    expect(ids()).toEqual(['a', 'b']);
    expect(state.watermark).toBe(T0);
    clock.now = T0 + MIN;
    // Started 30 minutes ago, ended just now.
    pbx.rows.push({ id: 'long', startedAt: T0 - 30 * MIN }, { id: 'c', startedAt: T0 + 30_000 });
    await f.poll(pbx.fetch, publish);
    clock.now = T0 + 2 * MIN;
    await f.poll(pbx.fetch, publish);
    expect(ids()).toEqual(['a', 'b', 'long', 'c']);
    // Each window starts one lookback before the previous poll's start, in the PBX's format.
    expect(pbx.asked.at(-1)).toMatchObject({ start: 'Jun-01-2026', starttime: '11:01:00', end: 'Jun-02-2026', endtime: '23:59:59' });
  });

  it('resumes at the page that failed; a row pushed down is read twice but published once, a row inserted behind is caught next window', async () => {
    const clock = { now: T0 };
    const pbx = fakePbx('desc');
    const { f, publish, ids, state } = follower(clock);
    for (let i = 0; i < 6; i++) pbx.rows.push({ id: `r${i}`, startedAt: T0 - (10 - i) * MIN });
    let calls = 0;
    const flaky = async (params: Readonly<Record<string, string>>): Promise<CdrPage> => {
      calls++;
      // A new CDR lands between page 1 and page 2, at the head of a newest-first listing.
      if (calls === 2) pbx.rows.push({ id: 'new', startedAt: T0 - MIN });
      if (calls === 2) pbx.failOnce();
      return pbx.fetch(params);
    };
    await expect(f.poll(flaky, publish)).rejects.toThrow('network');
    expect(state.watermark).toBeUndefined();
    await f.poll(flaky, publish);
    expect(pbx.asked.map((a) => a.page)).toEqual(['1', '2', '2', '3', '4']);
    // r4 was pushed onto page 2 and read twice; `new` landed on a page already read.
    expect(ids().sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    expect(state.watermark).toBe(T0);
    clock.now = T0 + MIN;
    await f.poll(pbx.fetch, publish);
    expect(ids().sort()).toEqual(['new', 'r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('spreads a big window over several polls (maxPagesPerPoll) and only then moves the watermark', async () => {
    const clock = { now: T0 };
    const pbx = fakePbx();
    const { f, publish, ids, state } = follower(clock, { maxPagesPerPoll: 2 });
    for (let i = 0; i < 9; i++) pbx.rows.push({ id: `r${i}`, startedAt: T0 - 20 * MIN + i * 1000 });
    await f.poll(pbx.fetch, publish);
    expect(ids()).toHaveLength(4);
    expect(state.watermark).toBeUndefined();
    clock.now = T0 + MIN;
    await f.poll(pbx.fetch, publish);
    await f.poll(pbx.fetch, publish);
    expect(ids()).toEqual(pbx.rows.map((r) => r.id));
    // The window that took three polls counts from its first poll.
    expect(state.watermark).toBe(T0);
  });

  it('silentStart reads the first window without publishing it', async () => {
    const clock = { now: T0 };
    const pbx = fakePbx();
    const { f, publish, ids } = follower(clock, { silentStart: true });
    pbx.rows.push({ id: 'old', startedAt: T0 - 5 * MIN });
    const first = await f.poll(pbx.fetch, publish);
    expect(first).toMatchObject({ published: 0, changed: true });
    pbx.rows.push({ id: 'new', startedAt: T0 - MIN });
    clock.now = T0 + MIN;
    await f.poll(pbx.fetch, publish);
    expect(ids()).toEqual(['new']);
  });

  it('forgets seen keys once they are older than the lookback (plus a slack) behind the watermark', async () => {
    const clock = { now: T0 };
    const pbx = fakePbx();
    const { f, publish, state } = follower(clock);
    pbx.rows.push({ id: 'a', startedAt: T0 - MIN });
    await f.poll(pbx.fetch, publish);
    expect([...state.seen.keys()]).toHaveLength(1);
    clock.now = T0 + 3 * 60 * MIN;
    await f.poll(pbx.fetch, publish);
    expect(state.seen.size).toBe(0);
  });
});
