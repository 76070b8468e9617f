/**
 * Binds a poll loop's interval to demand: `activeMs` while someone watches its topic for one of
 * its tenants, `idleMs` otherwise (0 = do not slow down). Going from idle to watched takes effect
 * at once (PollLoop.setInterval runs a shorter interval's poll now), so a new subscriber's data is
 * at most one poll old.
 */
import type { Topic } from '../protocol/entities.js';
import type { Demand } from './demand.js';

export interface IntervalTarget {
  setInterval(intervalMs: number): void;
}

export interface DemandBinding {
  demand: Demand | undefined;
  tenants: readonly string[];
  topic: Topic;
  activeMs: number;
  /** Background interval with nobody watching; 0 or undefined = always `activeMs`. */
  idleMs: number | undefined;
}

/** The interval the loop should have now. */
export function demandInterval(binding: DemandBinding): number {
  const { demand, idleMs, activeMs } = binding;
  if (!demand || !idleMs || idleMs <= activeMs) return activeMs;
  return demand.watched(binding.tenants, binding.topic) ? activeMs : idleMs;
}

/**
 * Sets the loop's interval now and on every demand change; returns the unbind function.
 *
 * @example
 * const unbind = bindDemand(loop, { demand, tenants: ['acme'], topic: 'peers', activeMs: 5000, idleMs: 60000 });
 */
export function bindDemand(loop: IntervalTarget, binding: DemandBinding): () => void {
  const { demand } = binding;
  if (!demand || !binding.idleMs) return () => undefined;
  loop.setInterval(demandInterval(binding));
  return demand.onChange((tenant, topic) => {
    if (topic === binding.topic && binding.tenants.includes(tenant)) loop.setInterval(demandInterval(binding));
  });
}
