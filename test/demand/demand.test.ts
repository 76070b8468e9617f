/** Demand counting and the interval it gives a poll loop. */
import { describe, expect, it } from 'vitest';
import { Demand } from '../../src/demand/demand.js';
import { bindDemand, demandInterval } from '../../src/demand/demand-interval.js';
import { parseRoom } from '../../src/demand/room-demand.js';

describe('Demand', () => {
  it('counts watchers per tenant + topic and reports the first and the last', () => {
    const demand = new Demand();
    const changes: string[] = [];
    demand.onChange((tenant, topic, watched) => changes.push(`${tenant}/${topic}:${watched}`));
    demand.add('acme', 'peers');
    demand.add('acme', 'peers');
    demand.remove('acme', 'peers');
    expect(demand.watched(['acme'], 'peers')).toBe(true);
    demand.remove('acme', 'peers');
    demand.remove('acme', 'peers');
    expect(demand.watchers('acme', 'peers')).toBe(0);
    expect(changes).toEqual(['acme/peers:true', 'acme/peers:false']);
  });

  it('a listener that throws does not stop the others', () => {
    const demand = new Demand();
    const seen: boolean[] = [];
    demand.onChange(() => {
      throw new Error('boom');
    });
    demand.onChange((_tenant, _topic, watched) => seen.push(watched));
    demand.add('acme', 'agents');
    expect(seen).toEqual([true]);
  });
});

describe('demandInterval / bindDemand', () => {
  it('is the active interval while watched (by any tenant of the poll), the idle one otherwise', () => {
    const demand = new Demand();
    const binding = { demand, tenants: ['acme', 'globex'], topic: 'blfs' as const, activeMs: 1000, idleMs: 60_000 };
    expect(demandInterval(binding)).toBe(60_000);
    demand.add('globex', 'blfs');
    expect(demandInterval(binding)).toBe(1000);
    expect(demandInterval({ ...binding, idleMs: 0 })).toBe(1000);
    expect(demandInterval({ ...binding, demand: undefined })).toBe(1000);
  });

  it('switches the loop on the first and the last watcher, and stops when unbound', () => {
    const demand = new Demand();
    const intervals: number[] = [];
    const loop = { setInterval: (ms: number) => intervals.push(ms) };
    const unbind = bindDemand(loop, { demand, tenants: ['acme'], topic: 'channels', activeMs: 500, idleMs: 30_000 });
    demand.add('acme', 'channels');
    demand.add('acme', 'peers');
    demand.add('globex', 'channels');
    demand.remove('acme', 'channels');
    unbind();
    demand.add('acme', 'channels');
    expect(intervals).toEqual([30_000, 500, 30_000]);
  });
});

describe('parseRoom', () => {
  it('reads subscription rooms and ignores the others', () => {
    expect(parseRoom('t:acme:peers')).toEqual({ tenant: 'acme', topic: 'peers' });
    expect(parseRoom('t:acme:peers:raw')).toEqual({ tenant: 'acme', topic: 'peers' });
    expect(parseRoom('t:acme:nope')).toBeUndefined();
    expect(parseRoom('slow-consumers')).toBeUndefined();
    expect(parseRoom('Xy12socketid')).toBeUndefined();
    expect(parseRoom(42)).toBeUndefined();
  });
});
