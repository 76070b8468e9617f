/**
 * Where PBX profiles live between restarts. One interface, two implementations: a JSON file
 * under the config's `dataDir` (file-profile-store.ts) and memory (memory-profile-store.ts, when
 * no `dataDir` is set). Profiles are stored as sent, secrets included (the bridge needs them to
 * connect), and looked up per tenant: a profile is only ever seen through its own tenant.
 */
import { z } from 'zod';
import { NameSchema } from '../protocol/messages.js';
import { PROFILE_TYPE_NAMES } from './profile-types.js';

export const StoredProfileSchema = z.strictObject({
  /** Also the id of the source it runs as: unique across the config file and the API. */
  id: NameSchema,
  /** The only bridge tenant the profile's source serves. */
  tenant: NameSchema,
  /** The `_type` it was created with. */
  type: z.enum(PROFILE_TYPE_NAMES),
  name: z.string().min(1).max(128),
  enabled: z.boolean(),
  /**
   * The vendor fields as sent (durations as written, defaults not filled in), without `id`,
   * `vendor` and the tenant binding the bridge adds itself. Secrets in clear.
   */
  settings: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type StoredProfile = z.infer<typeof StoredProfileSchema>;

export interface ProfileStore {
  /** True when profiles survive a restart. */
  readonly persistent: boolean;
  /** Reads what was stored; call once, before anything else. */
  load(): Promise<void>;
  /** Every tenant's profiles (bridge start). */
  all(): Promise<StoredProfile[]>;
  list(tenant: string): Promise<StoredProfile[]>;
  /** The profile `id` of `tenant`; another tenant's profile is not found. */
  get(tenant: string, id: string): Promise<StoredProfile | undefined>;
  /** Whether any tenant has a profile `id` (ids are unique across tenants). */
  has(id: string): Promise<boolean>;
  /** Creates or replaces; resolves once it is stored (on disk, for the file store). */
  put(profile: StoredProfile): Promise<void>;
  /** False when `tenant` has no profile `id`. */
  delete(tenant: string, id: string): Promise<boolean>;
  /**
   * Stores shared by several nodes (Redis) report changes made anywhere, so every node runs the
   * profiles the store holds. `listener` gets the changed id, or undefined for "anything may
   * have changed" (after a reconnect). Returns the function that stops watching.
   */
  watch?(listener: (id: string | undefined) => void): () => void;
}
