/**
 * ACDC agents -> the `agents` topic. ACDC has no blackhole module (4.3/master), so agents are
 * polled: `GET .../agents` (who is an agent of which queues) and `GET .../agents/status` (the
 * latest status per agent). ACDC pauses an agent in every queue at once, so one agent gives
 * one `queue/agent` entity per queue, all with the same status.
 */
import type { Agent, Entity } from '../../protocol/entities.js';
import type { AgentListing, AgentStatuses } from './wire.js';

/** ACDC status vocabulary (acdc_stats.hrl) -> the protocol's agent status. */
const STATUS_MAP: Readonly<Record<string, Agent['status']>> = {
  ready: 'available',
  logged_in: 'available',
  paused: 'paused',
  connecting: 'busy',
  connected: 'busy',
  wrapup: 'busy',
  outbound: 'busy',
  logged_out: 'unavailable',
  pending_logged_out: 'unavailable',
};

export const agentKey = (queue: string, agent: string): string => `${queue}/${agent}`;

export interface AgentsContext {
  source: string;
  observedAt: string;
}

export function agentsFromKazoo(listing: AgentListing, statuses: AgentStatuses, context: AgentsContext): Map<string, Entity> {
  const out = new Map<string, Entity>();
  for (const user of listing) {
    const acdcStatus = statuses[user.id]?.status ?? 'logged_out';
    const status = STATUS_MAP[acdcStatus] ?? 'unavailable';
    const name = [user.first_name, user.last_name].filter((part) => part !== undefined && part !== '').join(' ');
    for (const queue of user.queues) {
      const entity: Agent = {
        source: context.source,
        observedAt: context.observedAt,
        queue,
        agent: user.id,
        status,
        paused: status === 'paused',
        acdcStatus,
      };
      if (name !== '') entity.name = name;
      out.set(agentKey(queue, user.id), entity);
    }
  }
  return out;
}
