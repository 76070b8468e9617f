/** Per-source health for `status.sources`: what `hello` announced, with the `sources` topic's state. */
import type { Hello } from '../protocol/messages.js';
import type { SourceHealth, TenantState } from './types.js';

/**
 * One entry per source of each mirrored tenant: those `hello` lists (with their commands), then
 * any other the `sources` topic holds.
 *
 * @example
 * sourceHealth(hello, [['acme', cb.state]]); // [{ id: 'mirta-main', tenant: 'acme', status: 'up', ... }]
 */
export function sourceHealth(hello: Hello | undefined, tenants: Iterable<readonly [string, TenantState]>): SourceHealth[] {
  const out: SourceHealth[] = [];
  for (const [tenant, state] of tenants) {
    const seen = new Set<string>();
    const announced = hello?.sources.filter((source) => source.tenant === tenant) ?? [];
    for (const source of announced) {
      seen.add(source.id);
      const entity = state.sources.get(source.id);
      out.push({
        id: source.id,
        tenant,
        vendor: source.vendor,
        status: entity?.status ?? 'unknown',
        lastOkAt: entity?.lastOkAt,
        lastError: entity?.lastError,
        commands: source.commands,
      });
    }
    for (const [id, entity] of state.sources) {
      if (seen.has(id)) continue;
      out.push({ id, tenant, vendor: entity.vendor, status: entity.status, lastOkAt: entity.lastOkAt, lastError: entity.lastError, commands: [] });
    }
  }
  return out;
}
