/** The SDK's entry point. */
import { resolveOptions } from './client-options.js';
import { LiveClient } from './live-client.js';
import type { CallbridgeClient, ConnectOptions } from './types.js';

/**
 * Connects to a bridge and keeps a local mirror of its state: the subscribe snapshot, then the
 * events in `seq` order; gaps, reconnections and bridge restarts are caught up with `since` or a
 * `resync` snapshot. Commands get an id and are resent with the same id when the connection
 * drops before their answer, so they reach the vendor once.
 *
 * @param url the bridge's base URL (`https://bridge.example/`, or `/` in a page it serves)
 * @example
 * const cb = connect('https://bridge.example/', { token, tenants: ['acme'], topics: ['blfs', 'channels', 'agents'] });
 * cb.on('change', (e) => render(e));
 * cb.on('status', (s) => badge(s.state));
 * await cb.ready();
 * cb.state.agents.get('281/101');
 * await cb.command('agent.pause', { queue: '281', agent: '101', reason: 'Lunch' });
 */
export function connect(url: string | URL, options: ConnectOptions): CallbridgeClient {
  return new LiveClient(resolveOptions(url, options));
}
