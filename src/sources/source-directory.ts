import type { Source } from './source.js';

/** The running sources, by id. Profiles (run-time sources) add and remove through it. */
export class SourceDirectory {
  readonly #sources = new Map<string, Source>();
  readonly #listeners = new Set<(change: { kind: 'added' | 'removed'; source: Source }) => void>();

  add(source: Source): void {
    this.#sources.set(source.id, source);
    for (const listener of this.#listeners) listener({ kind: 'added', source });
  }

  remove(id: string): Source | undefined {
    const source = this.#sources.get(id);
    if (!source) return undefined;
    this.#sources.delete(id);
    for (const listener of this.#listeners) listener({ kind: 'removed', source });
    return source;
  }

  get(id: string): Source | undefined {
    return this.#sources.get(id);
  }

  list(): Source[] {
    return [...this.#sources.values()];
  }

  /** The sources serving `tenant`. */
  forTenant(tenant: string): Source[] {
    return this.list().filter((source) => source.tenants.includes(tenant));
  }

  onChange(listener: (change: { kind: 'added' | 'removed'; source: Source }) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
