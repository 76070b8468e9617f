import { describe, expect, it } from 'vitest';
import { clearJoinFloors, excludedFor, setJoinFloor } from '../../src/server/join-floors.js';
import type { BridgeNamespace } from '../../src/server/socket-types.js';

// The registry only keys its maps by the namespace object.
const namespace = (): BridgeNamespace => ({}) as BridgeNamespace;

describe('join floors', () => {
  it('leaves out the sockets whose subscribe covered an event, until an event above the floor passes', () => {
    const nsp = namespace();
    setJoinFloor(nsp, 'a', 'acme', 18);
    setJoinFloor(nsp, 'b', 'acme', 20);
    expect(excludedFor(nsp, 'acme', 5)).toEqual(['a', 'b']);
    expect(excludedFor(nsp, 'acme', 18)).toEqual(['a', 'b']);
    // 19 is news to `a`: its floor goes; `b` still holds 19 and 20.
    expect(excludedFor(nsp, 'acme', 19)).toEqual(['b']);
    expect(excludedFor(nsp, 'acme', 21)).toEqual([]);
    setJoinFloor(nsp, 'a', 'acme', 3);
    expect(excludedFor(nsp, 'acme', 18)).toEqual([]);
  });

  it('keeps tenants and namespaces apart, and forgets a socket that left', () => {
    const nsp = namespace();
    setJoinFloor(nsp, 'a', 'acme', 10);
    setJoinFloor(nsp, 'a', 'globex', 10);
    expect(excludedFor(nsp, 'globex', 4)).toEqual(['a']);
    expect(excludedFor(namespace(), 'acme', 4)).toEqual([]);
    clearJoinFloors(nsp, 'a');
    expect(excludedFor(nsp, 'acme', 4)).toEqual([]);
    expect(excludedFor(nsp, 'globex', 4)).toEqual([]);
  });

  it('never lowers a floor: a second subscribe with an older cursor keeps the higher one', () => {
    const nsp = namespace();
    setJoinFloor(nsp, 'a', 'acme', 10);
    setJoinFloor(nsp, 'a', 'acme', 7);
    expect(excludedFor(nsp, 'acme', 9)).toEqual(['a']);
  });
});
