/**
 * Profiles in one JSON file, `<dataDir>/profiles.json`, rewritten whole on every change:
 * written to a temporary file, fsynced, renamed over the old one, and the directory fsynced.
 * A crash at any point leaves either the old file or the new one, never half of one; a
 * temporary file a crash left behind is deleted at the next load. Changes are applied one at a
 * time, and the in-memory copy only moves once the file did.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { zodIssues } from '../util/zod-message.js';
import { StoredProfileSchema, type ProfileStore, type StoredProfile } from './profile-store.js';

export const PROFILES_FILE = 'profiles.json';
const FORMAT_VERSION = 1;
/** Only the bridge's user may read it: it holds vendor credentials. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
const isTempFile = (name: string): boolean => name.startsWith(`${PROFILES_FILE}.`) && name.endsWith('.tmp');

const ProfilesFileSchema = z.strictObject({
  version: z.literal(FORMAT_VERSION),
  profiles: z.array(StoredProfileSchema),
});

export interface FileProfileStoreOptions {
  /** The config's `dataDir`; created (mode 0700) when missing. */
  readonly dir: string;
  readonly logger?: Logger | undefined;
}

/**
 * @example
 * const store = new FileProfileStore({ dir: '/var/lib/callbridge' });
 * await store.load(); // throws ConfigError naming the file if it is not a profiles file
 * await store.put(profile);
 */
export class FileProfileStore implements ProfileStore {
  readonly persistent = true;
  readonly #dir: string;
  readonly #file: string;
  readonly #logger: Logger | undefined;
  #profiles = new Map<string, StoredProfile>();
  /** The tail of the queue of changes: one write at a time, in call order. */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: FileProfileStoreOptions) {
    this.#dir = options.dir;
    this.#file = join(options.dir, PROFILES_FILE);
    this.#logger = options.logger;
  }

  /** The file's path (for logs and docs; never its content). */
  get file(): string {
    return this.#file;
  }

  async load(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: DIR_MODE });
    await this.#removeLeftovers();
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#profiles = new Map();
        return;
      }
      throw new ConfigError([`${this.#file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
    }
    // Refuse to start rather than start empty: the next write would erase every profile.
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      throw new ConfigError([`${this.#file}: not valid JSON; restore it from a backup or move it away to start without profiles`]);
    }
    const parsed = ProfilesFileSchema.safeParse(document);
    if (!parsed.success) throw new ConfigError(zodIssues(parsed.error).slice(0, 10).map((issue) => `${this.#file}: ${issue}`));
    const profiles = new Map<string, StoredProfile>();
    for (const profile of parsed.data.profiles) {
      if (profiles.has(profile.id)) throw new ConfigError([`${this.#file}: profile id "${profile.id}" appears twice`]);
      profiles.set(profile.id, profile);
    }
    this.#profiles = profiles;
  }

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

  put(profile: StoredProfile): Promise<void> {
    return this.#change((profiles) => {
      profiles.set(profile.id, profile);
      return true;
    }).then(() => undefined);
  }

  delete(tenant: string, id: string): Promise<boolean> {
    return this.#change((profiles) => profiles.get(id)?.tenant === tenant && profiles.delete(id));
  }

  /** Applies `edit` to a copy of the profiles, writes it, then makes it current (queued). */
  #change(edit: (profiles: Map<string, StoredProfile>) => boolean): Promise<boolean> {
    const run = async (): Promise<boolean> => {
      const next = new Map(this.#profiles);
      if (!edit(next)) return false;
      await this.#write([...next.values()]);
      this.#profiles = next;
      return true;
    };
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  async #write(profiles: StoredProfile[]): Promise<void> {
    const text = `${JSON.stringify({ version: FORMAT_VERSION, profiles }, null, 2)}\n`;
    const temp = join(this.#dir, `${PROFILES_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, 'wx', FILE_MODE);
      try {
        await handle.writeFile(text, 'utf8');
        // On disk before the rename: otherwise a power cut may leave the new name on empty blocks.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.#file);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw err;
    }
    await this.#syncDir();
  }

  /** Makes the rename itself durable. Some file systems cannot fsync a directory: then it is best effort. */
  async #syncDir(): Promise<void> {
    let handle;
    try {
      handle = await open(this.#dir, 'r');
      await handle.sync();
    } catch {
      // EISDIR / EINVAL / EPERM on some platforms: the rename is still atomic, only its durability is the OS's.
    } finally {
      await handle?.close();
    }
  }

  async #removeLeftovers(): Promise<void> {
    const leftovers = (await readdir(this.#dir)).filter(isTempFile);
    for (const name of leftovers) await rm(join(this.#dir, name), { force: true });
    if (leftovers.length > 0) {
      this.#logger?.warn({ dir: this.#dir, count: leftovers.length }, 'removed temporary profile files left by an interrupted write');
    }
  }
}
