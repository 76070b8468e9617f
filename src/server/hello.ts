import type { Principal } from '../auth/principal.js';
import type { Hello, HelloSource } from '../protocol/messages.js';
import type { SourceDirectory } from '../sources/source-directory.js';

/**
 * The `hello` a principal gets right after the handshake (protocol §3): its tenants and scopes,
 * and one entry per source + tenant for the tenants it holds only, so other customers' sources
 * (and through them, their tenant names) stay invisible.
 */
export function buildHello(principal: Principal, sources: SourceDirectory): Hello {
  const entries: HelloSource[] = [];
  for (const source of sources.list()) {
    for (const tenant of source.tenants) {
      if (!principal.tenants.has(tenant)) continue;
      entries.push({
        id: source.id,
        vendor: source.vendor,
        tenant,
        topics: [...source.topics],
        commands: [...source.commands],
      });
    }
  }
  return {
    protocol: 1,
    tenants: [...principal.tenants].sort(),
    scopes: [...principal.scopes].sort(),
    sources: entries,
  };
}
