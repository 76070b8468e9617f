import type { ProfileStore, StoredProfile } from './profile-store.js';

/** Profiles in memory: what a bridge without `dataDir` uses. Lost at restart. */
export class MemoryProfileStore implements ProfileStore {
  readonly persistent = false;
  readonly #profiles = new Map<string, StoredProfile>();

  async load(): Promise<void> {}

  async all(): Promise<StoredProfile[]> {
    return [...this.#profiles.values()];
  }

  async list(tenant: string): Promise<StoredProfile[]> {
    return [...this.#profiles.values()].filter((profile) => profile.tenant === tenant);
  }

  async get(tenant: string, id: string): Promise<StoredProfile | undefined> {
    const profile = this.#profiles.get(id);
    return profile?.tenant === tenant ? profile : undefined;
  }

  async has(id: string): Promise<boolean> {
    return this.#profiles.has(id);
  }

  async put(profile: StoredProfile): Promise<void> {
    this.#profiles.set(profile.id, profile);
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    if (this.#profiles.get(id)?.tenant !== tenant) return false;
    return this.#profiles.delete(id);
  }
}
