/** XivoSource against the real XiVO simulator over HTTP, on a real Bus. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Bus } from '../../../src/bus/bus.js';
import { startXivoSimulator, type XivoSimulator } from '../../../src/simulators/xivo/index.js';
import { VendorBudget } from '../../../src/sources/vendor-budget.js';
import { XivoSourceConfigSchema, createXivoSource, type XivoSource } from '../../../src/vendors/xivo/index.js';
import type { ValidatedCommand } from '../../../src/protocol/commands.js';
import { collectEvents, type EventCollector } from '../../support/event-collector.js';
import { captureLogger } from '../../support/log-capture.js';
import { sleep, waitFor } from '../../support/wait-for.js';
import { memoryBus } from '../../support/memory-bus.js';

const log = captureLogger();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: { password?: string; pageSize?: number; startAt?: 'latest' | 'beginning'; dataDir?: string; sim?: XivoSimulator } = {}) {
  const sim = options.sim ?? (await startXivoSimulator());
  if (!options.sim) cleanups.push(() => sim.close());
  const bus = memoryBus(log.logger);
  const events: EventCollector = collectEvents(bus);
  const config = XivoSourceConfigSchema.parse({
    id: 'xivo-test',
    vendor: 'xivo',
    url: sim.url,
    username: sim.username,
    password: options.password ?? sim.password,
    tenant: 'acme',
    cel: { pageSize: options.pageSize ?? 100, startAt: options.startAt ?? 'beginning' },
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    poll: { cel: 40, queues: 200, extensions: 200 },
    limits: { concurrency: 2, perSecond: 1000, timeout: 500 },
    health: { downAfter: 2 },
  });
  const source: XivoSource = createXivoSource(config, { bus, logger: log.logger, budget: new VendorBudget({ concurrency: 2, perSecond: 1000, queue: 100 }) });
  cleanups.push(async () => {
    await source.stop();
    events.stop();
    await bus.close();
  });
  await source.start();
  return { sim, bus, events, source };
}

describe('XivoSource', () => {
  it('follows a call: channel.created, channel.updated (up), channel.hungup, one call.recorded', async () => {
    const { sim, events, bus } = await setup();
    await events.next((e) => e.type === 'source.up');
    const call = sim.model.startCall({ from: '1001', to: '1002', fromName: 'Alice' });
    const created = await events.next((e) => e.type === 'channel.created' && e.key === call.bLeg);
    expect(created.data).toMatchObject({ state: 'ringing', callerNumber: '1001', calleeNumber: '1002', peer: '1002', linkedKey: call.aLeg });
    const mark = events.mark();
    sim.model.answer(call.linkedid);
    const up = await events.next((e) => e.type === 'channel.updated' && e.key === call.aLeg, { from: mark });
    expect(up.data).toMatchObject({ state: 'up' });
    expect(up.changed).toEqual(expect.arrayContaining(['state', 'answeredAt']));
    sim.model.hangup(call.linkedid);
    await events.next((e) => e.type === 'channel.hungup' && e.key === call.aLeg, { from: mark });
    const recorded = await events.next((e) => e.type === 'call.recorded', { from: mark });
    expect(recorded.key).toBe(call.linkedid);
    expect(recorded.data).toMatchObject({ uniqueId: call.linkedid, from: '1001', to: '1002', disposition: 'answered' });
    await sleep(150);
    expect(events.since(0).filter((e) => e.type === 'call.recorded')).toHaveLength(1);
    expect(events.since(0).filter((e) => e.type === 'channel.hungup')).toHaveLength(2);
    expect((await bus.entities('acme', 'channels')).size).toBe(0);
  });

  it('reads more than one page per poll and records every call once', async () => {
    const { sim, events, source } = await setup({ pageSize: 10 });
    const ids = sim.model.completedCalls(7); // 105 rows
    await waitFor(() => source.lastCelId === sim.model.lastCelId);
    await sleep(100);
    const recorded = events.since(0).filter((e) => e.type === 'call.recorded').map((e) => e.key);
    expect(recorded.sort()).toEqual([...ids].sort());
    const limits = sim.requests.filter((r) => r.path.includes('/cel/')).map((r) => r.query.limit);
    expect(new Set(limits)).toEqual(new Set(['10']));
  });

  it('startAt latest reads the backlog silently, then publishes new calls', async () => {
    const sim = await startXivoSimulator();
    cleanups.push(() => sim.close());
    sim.model.completedCalls(3);
    const live = sim.model.startCall({ from: '1001', to: '1002' });
    const { events, source } = await setup({ sim, startAt: 'latest' });
    await waitFor(() => source.lastCelId === sim.model.lastCelId);
    await events.next((e) => e.type === 'channel.created' && e.key === live.aLeg);
    expect(events.since(0).filter((e) => e.type === 'call.recorded')).toHaveLength(0);
    sim.model.hangup(live.linkedid);
    await events.next((e) => e.type === 'call.recorded' && e.key === live.linkedid);
  });

  it('saves the cursor under dataDir: a restart neither repeats nor loses rows', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'xivo-cursor-'));
    const sim = await startXivoSimulator();
    cleanups.push(() => sim.close());
    sim.model.completedCalls(2);
    const first = await setup({ sim, dataDir });
    await waitFor(() => first.source.lastCelId === sim.model.lastCelId);
    await sleep(100);
    await first.source.stop();
    const after = sim.model.completedCalls(1);
    const second = await setup({ sim, dataDir, startAt: 'latest' });
    await second.events.next((e) => e.type === 'call.recorded' && e.key === after[0]);
    await sleep(100);
    expect(second.events.since(0).filter((e) => e.type === 'call.recorded').map((e) => e.key)).toEqual(after);
  });

  it('bad credentials: source degraded, no entity events, password never logged', async () => {
    const { sim, events } = await setup({ password: 'wrong-pass-XYZ' });
    sim.model.startCall({ from: '1001', to: '1002' });
    const degraded = await events.next((e) => e.type === 'source.degraded');
    expect(String(degraded.data.lastError)).toContain('401');
    await sleep(150);
    expect(events.since(0).filter((e) => e.topic !== 'sources')).toHaveLength(0);
    expect(sim.requests.some((r) => r.status === 401)).toBe(true);
    expect(log.text()).not.toContain('wrong-pass-XYZ');
    expect(log.text()).not.toContain(sim.password);
  });

  it('fills queues and extensions; every command is unsupported', async () => {
    const { bus, source } = await setup();
    await waitFor(async () => (await bus.entities('acme', 'queues')).size === 2);
    await waitFor(async () => (await bus.entities('acme', 'extensions')).size === 2);
    expect((await bus.entities('acme', 'extensions')).get('1001')).toMatchObject({ name: 'Alice Martin', enabled: true });
    expect(source.commands).toEqual([]);
    const command = { id: 'c1', tenant: 'acme', type: 'hangup', args: { channel: 'x' } } as unknown as ValidatedCommand;
    await expect(source.execute(command, { signal: new AbortController().signal })).rejects.toMatchObject({ code: 'unsupported' });
  });
});
