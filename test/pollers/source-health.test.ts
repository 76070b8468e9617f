import { describe, expect, it } from 'vitest';
import { SourceHealth, type HealthChange } from '../../src/pollers/source-health.js';

describe('SourceHealth', () => {
  it('reports up, degraded, down and back up, one change each', () => {
    const changes: HealthChange[] = [];
    const health = new SourceHealth({ downAfter: 3, onChange: (c) => changes.push(c) });
    health.succeeded('peers');
    health.succeeded('channels');
    health.failed('peers', 'HTTP 500');
    health.failed('peers', 'HTTP 500');
    health.succeeded('channels');
    health.failed('peers', 'HTTP 500');
    health.failed('peers', 'HTTP 500');
    health.succeeded('peers');
    expect(changes.map((c) => c.status)).toEqual(['up', 'degraded', 'down', 'up']);
    expect(changes[1]?.lastError).toBe('HTTP 500');
    expect(changes[3]?.lastError).toBeUndefined();
  });

  it('lets a connection-driven source override the poll-derived status', () => {
    const statuses: string[] = [];
    const health = new SourceHealth({ downAfter: 2, onChange: (c) => statuses.push(c.status) });
    health.override('up');
    health.override('degraded', 'websocket closed');
    health.override('up');
    expect(statuses).toEqual(['up', 'degraded', 'up']);
  });
});
