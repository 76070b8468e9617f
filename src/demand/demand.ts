/**
 * Who is watching what: the number of subscribers per tenant + topic, fed by the socket.io rooms
 * and the SSE streams, read by the pollers (demand-driven polling, issue 10). A topic nobody
 * watches is polled at a slow background interval; the first subscriber brings it back to its
 * normal interval at once.
 */
import { EventEmitter } from 'eventemitter3';
import type { Topic } from '../protocol/entities.js';

export type DemandListener = (tenant: string, topic: Topic, watched: boolean) => void;

export class Demand {
  readonly #counts = new Map<string, number>();
  readonly #events = new EventEmitter<{ change: DemandListener }>();

  /** One more watcher of tenant + topic. */
  add(tenant: string, topic: Topic): void {
    const id = `${tenant}\0${topic}`;
    const count = (this.#counts.get(id) ?? 0) + 1;
    this.#counts.set(id, count);
    if (count === 1) this.#emit(tenant, topic, true);
  }

  /** One watcher fewer (never below zero). */
  remove(tenant: string, topic: Topic): void {
    const id = `${tenant}\0${topic}`;
    const count = this.#counts.get(id) ?? 0;
    if (count <= 1) {
      this.#counts.delete(id);
      if (count === 1) this.#emit(tenant, topic, false);
    } else {
      this.#counts.set(id, count - 1);
    }
  }

  /** True when someone watches `topic` of any of `tenants`. */
  watched(tenants: readonly string[], topic: Topic): boolean {
    return tenants.some((tenant) => this.#counts.has(`${tenant}\0${topic}`));
  }

  watchers(tenant: string, topic: Topic): number {
    return this.#counts.get(`${tenant}\0${topic}`) ?? 0;
  }

  /** Calls `listener` when a tenant + topic gains its first watcher or loses its last. */
  onChange(listener: DemandListener): () => void {
    this.#events.on('change', listener);
    return () => this.#events.off('change', listener);
  }

  #emit(tenant: string, topic: Topic, watched: boolean): void {
    // eventemitter3 runs listeners synchronously: one that throws must not stop the others or
    // the caller (a socket joining a room).
    for (const listener of this.#events.listeners('change')) {
      try {
        listener(tenant, topic, watched);
      } catch {
        // A poll loop that cannot change its interval keeps the old one; nothing to undo here.
      }
    }
  }
}
