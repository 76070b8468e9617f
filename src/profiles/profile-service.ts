/**
 * PBX profiles, applied: every create / change / enable / disable / delete is stored first (the
 * stored profile is what the bridge wants running), then carried out on the SourceManager. On
 * bridge start, the enabled stored profiles are started. A profile runs as a source whose id is
 * the profile's id and which serves only the profile's tenant.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { KeyedLock } from '../bus/keyed-lock.js';
import { stableStringify } from '../commands/command-validator.js';
import type { SourceConfig } from '../config/schema.js';
import { DuplicateError, NotFoundError, isBridgeError } from '../errors.js';
import type { SourceManager } from '../sources/source-manager.js';
import { isPlainObject, parseCreate, parsePatch, toSourceConfig } from './profile-body.js';
import type { ProfileStore, StoredProfile } from './profile-store.js';
import { viewOf, type ProfileSourceStatus, type ProfileView } from './profile-view.js';

/** `lastError` of the `source.down` each change publishes: shown to clients as is. */
const DISABLED_REASON = 'source disabled';
const REMOVED_REASON = 'source removed';
const ID_PREFIX = 'pbx-';
const ID_BYTES = 5;
const MAX_ID_ATTEMPTS = 5;
/** Ids echoed in messages are cut here: a path parameter can be long. */
const SHOWN_ID_LENGTH = 64;

export interface ProfileServiceOptions {
  readonly store: ProfileStore;
  readonly manager: SourceManager;
  readonly logger: Logger;
  /** The config file's sources: their ids are reserved, and the API never changes them. */
  readonly fileSources: readonly SourceConfig[];
  /** The config's `dataDir`, handed to vendors that keep cursors on disk. */
  readonly dataDir?: string | undefined;
  readonly now?: (() => Date) | undefined;
  /** Makes the id of a profile created without one (`pbx-` + 10 hex digits by default). */
  readonly newId?: (() => string) | undefined;
  /**
   * With a store that other nodes write too (`watch`): how often every stored profile is
   * compared with what runs here, besides the store's change notices. Default 10 s.
   */
  readonly reconcileIntervalMs?: number | undefined;
}

const DEFAULT_RECONCILE_INTERVAL_MS = 10_000;

/** What a running profile was started with: a change of any of it restarts the source. */
function runningShape(profile: StoredProfile): string {
  return stableStringify({ tenant: profile.tenant, type: profile.type, settings: profile.settings });
}

/** Who asked, for the log line each change writes (a token's label, never the token). */
export interface Actor {
  readonly label: string;
}

/**
 * @example
 * const profiles = new ProfileService({ store, manager, logger, fileSources: config.sources });
 * await profiles.start(); // loads the store, starts the enabled profiles
 * const created = await profiles.create('acme', { _type: 'KazooPbxConnectionProfile', ... }, { label: 'ops' });
 * await profiles.update('acme', created.id, { enabled: true }, { label: 'ops' }); // polling within a second
 */
export class ProfileService {
  readonly #store: ProfileStore;
  readonly #manager: SourceManager;
  readonly #logger: Logger;
  readonly #fileSources: ReadonlyMap<string, readonly string[]>;
  readonly #dataDir: string | undefined;
  readonly #now: () => Date;
  readonly #newId: () => string;
  /** Changes to one profile id never interleave (nor two creates of one id). */
  readonly #lock = new KeyedLock();
  /** Why an enabled profile is not running. */
  readonly #problems = new Map<string, string>();
  /** The profiles this node runs, with their tenant and what they were started with. */
  readonly #applied = new Map<string, { tenant: string; shape: string }>();
  readonly #reconcileIntervalMs: number;
  #stopWatching: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: ProfileServiceOptions) {
    this.#store = options.store;
    this.#manager = options.manager;
    this.#logger = options.logger.child({ component: 'profiles' });
    this.#fileSources = new Map(options.fileSources.map((source) => [source.id, tenantsOf(source)]));
    this.#dataDir = options.dataDir;
    this.#now = options.now ?? (() => new Date());
    this.#newId = options.newId ?? (() => ID_PREFIX + randomBytes(ID_BYTES).toString('hex'));
    this.#reconcileIntervalMs = options.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
  }

  /** True when profiles survive a restart (a `dataDir` is set). */
  get persistent(): boolean {
    return this.#store.persistent;
  }

  /** Loads the store and starts every enabled profile; one that cannot start is logged and kept. */
  async start(): Promise<void> {
    await this.#store.load();
    const enabled = (await this.#store.all()).filter((profile) => profile.enabled);
    await Promise.all(enabled.map((profile) => this.#lock.run(profile.id, () => this.#startStored(profile))));
    this.#logger.info({ profiles: enabled.length, persistent: this.#store.persistent }, 'enabled PBX profiles started');
    if (this.#store.watch && !this.#closed) {
      // Shared store (cluster mode): other nodes create, change and delete profiles too.
      this.#stopWatching = this.#store.watch(() => void this.reconcile());
      this.#timer = setInterval(() => void this.reconcile(), this.#reconcileIntervalMs);
      this.#timer.unref();
    }
  }

  /**
   * Makes what runs here match what is stored: enabled profiles run (restarted when their
   * settings changed), disabled and deleted ones do not. Called on the store's change notices
   * and periodically when the store is shared; a failure is logged and retried next time.
   */
  async reconcile(): Promise<void> {
    if (this.#closed) return;
    let stored: StoredProfile[];
    try {
      stored = await this.#store.all();
    } catch (err) {
      this.#logger.warn({ err }, 'profiles could not be read; reconciling later');
      return;
    }
    const tenants = new Map<string, string>();
    for (const profile of stored) tenants.set(profile.id, profile.tenant);
    for (const [id, applied] of this.#applied) if (!tenants.has(id)) tenants.set(id, applied.tenant);
    await Promise.all(
      [...tenants].map(([id, tenant]) =>
        this.#lock.run(id, () => this.#reconcileOne(tenant, id)).catch((err: unknown) => {
          this.#logger.warn({ err, profile: id }, 'profile could not be reconciled; retrying later');
        }),
      ),
    );
  }

  /** Stops following the store (bridge shutdown); the sources are the SourceManager's to stop. */
  close(): void {
    this.#closed = true;
    this.#stopWatching?.();
    clearInterval(this.#timer);
  }

  async #reconcileOne(tenant: string, id: string): Promise<void> {
    if (this.#closed) return;
    const profile = await this.#store.get(tenant, id);
    const running = this.#running(id);
    if (!profile?.enabled) {
      if (running) await this.#manager.remove(id, { reason: profile ? DISABLED_REASON : REMOVED_REASON });
      this.#applied.delete(id);
      this.#problems.delete(id);
      return;
    }
    if (running && this.#applied.get(id)?.shape === runningShape(profile)) return;
    // Reported once at start; the file's source runs under that id.
    if (this.#fileSources.has(id)) return;
    if (!running) {
      await this.#startStored(profile);
      return;
    }
    await this.#run(profile, toSourceConfig(profile, { dataDir: this.#dataDir }), 'replace');
  }

  async list(tenant: string): Promise<ProfileView[]> {
    return (await this.#store.list(tenant)).map((profile) => this.#view(profile));
  }

  async get(tenant: string, id: string): Promise<ProfileView> {
    const profile = await this.#store.get(tenant, id);
    if (!profile) throw this.#missing(tenant, id, false);
    return this.#view(profile);
  }

  /** Validates and stores a new profile (`enabled: false` unless the body says otherwise). */
  async create(tenant: string, body: unknown, actor: Actor): Promise<ProfileView> {
    const request = parseCreate(body, tenant);
    const id = request.id ?? (await this.#freshId());
    return this.#lock.run(id, async () => {
      await this.#assertIdFree(tenant, id);
      const at = this.#now().toISOString();
      const profile: StoredProfile = {
        id,
        tenant,
        type: request.type.type,
        name: request.name ?? id,
        enabled: request.enabled,
        settings: request.settings,
        createdAt: at,
        updatedAt: at,
      };
      const config = toSourceConfig(profile, { dataDir: this.#dataDir });
      await this.#store.put(profile);
      this.#logger.info({ tenant, profile: id, vendor: config.vendor, enabled: profile.enabled, actor: actor.label }, 'profile created');
      if (profile.enabled) await this.#run(profile, config, 'start');
      return this.#view(profile);
    });
  }

  /** Applies a merge patch: name, `enabled`, vendor fields (masked secrets stay as stored). */
  async update(tenant: string, id: string, body: unknown, actor: Actor): Promise<ProfileView> {
    return this.#lock.run(id, async () => {
      const current = await this.#store.get(tenant, id);
      if (!current) throw this.#missing(tenant, id, true);
      const patch = parsePatch(body, current);
      const next: StoredProfile = {
        ...current,
        name: patch.name ?? current.name,
        enabled: patch.enabled ?? current.enabled,
        settings: patch.settings ?? current.settings,
      };
      // Validated even while disabled: enabling later must not be where a typo shows up.
      const config = toSourceConfig(next, { dataDir: this.#dataDir });
      const settingsChanged = stableStringify(next.settings) !== stableStringify(current.settings);
      if (!settingsChanged && next.name === current.name && next.enabled === current.enabled) return this.#view(current);
      const stored: StoredProfile = { ...next, updatedAt: this.#now().toISOString() };
      await this.#store.put(stored);
      this.#logger.info(
        { tenant, profile: id, vendor: config.vendor, enabled: stored.enabled, settingsChanged, actor: actor.label },
        'profile changed',
      );
      const running = this.#running(id);
      if (!stored.enabled) {
        if (running) await this.#manager.remove(id, { reason: DISABLED_REASON });
        this.#applied.delete(id);
        this.#problems.delete(id);
      } else if (!running) {
        await this.#run(stored, config, 'start');
      } else if (settingsChanged) {
        await this.#run(stored, config, 'replace');
      }
      return this.#view(stored);
    });
  }

  /** Deletes the profile; its source (if running) stops and `source.down` is published. */
  async delete(tenant: string, id: string, actor: Actor): Promise<ProfileView> {
    return this.#lock.run(id, async () => {
      const current = await this.#store.get(tenant, id);
      if (!current) throw this.#missing(tenant, id, true);
      await this.#store.delete(tenant, id);
      if (this.#running(id)) await this.#manager.remove(id, { reason: REMOVED_REASON });
      this.#applied.delete(id);
      this.#problems.delete(id);
      this.#logger.info({ tenant, profile: id, actor: actor.label }, 'profile deleted');
      return viewOf(current, 'stopped');
    });
  }

  /** A stored, enabled profile at bridge start: conflicts and invalid profiles are logged, not fatal. */
  async #startStored(profile: StoredProfile): Promise<void> {
    if (this.#fileSources.has(profile.id)) {
      this.#problem(profile, 'its id is now taken by a source of the config file; the file wins');
      return;
    }
    let config: SourceConfig;
    try {
      config = toSourceConfig(profile, { dataDir: this.#dataDir });
    } catch (err) {
      // A vendor removed, or its schema tightened, since the profile was stored.
      this.#problem(profile, `no longer valid: ${isBridgeError(err) ? err.message : 'unknown error'}`);
      return;
    }
    await this.#run(profile, config, 'start');
  }

  /** Starts (or restarts) a profile's source; a failure is kept as the profile's `problem`. */
  async #run(profile: StoredProfile, config: SourceConfig, how: 'start' | 'replace'): Promise<void> {
    try {
      if (how === 'start') await this.#manager.add(config, { origin: 'api' });
      else await this.#manager.replace(config);
      this.#applied.set(profile.id, { tenant: profile.tenant, shape: runningShape(profile) });
      this.#problems.delete(profile.id);
    } catch (err) {
      this.#logger.error({ err, tenant: profile.tenant, profile: profile.id, vendor: config.vendor }, 'profile source did not start');
      this.#problems.set(profile.id, isBridgeError(err) ? `could not start: ${err.message}` : 'could not start; see the bridge log');
    }
  }

  #problem(profile: StoredProfile, problem: string): void {
    this.#problems.set(profile.id, problem);
    this.#logger.error({ tenant: profile.tenant, profile: profile.id, problem }, 'stored profile not started');
  }

  #running(id: string): boolean {
    return this.#manager.get(id)?.origin === 'api';
  }

  #view(profile: StoredProfile): ProfileView {
    const running = this.#manager.get(profile.id);
    const status: ProfileSourceStatus = running?.origin === 'api' ? (running.status ?? 'starting') : 'stopped';
    return viewOf(profile, status, profile.enabled && status === 'stopped' ? this.#problems.get(profile.id) : undefined);
  }

  async #freshId(): Promise<string> {
    for (let attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
      const id = this.#newId();
      if (!this.#fileSources.has(id) && !this.#manager.get(id) && !(await this.#store.has(id))) return id;
    }
    throw new Error('could not find a free profile id');
  }

  /**
   * Ids are unique across the config file and every tenant's profiles. Only a clash within the
   * caller's own tenant says more than "taken": another tenant's ids are none of its business.
   */
  async #assertIdFree(tenant: string, id: string): Promise<void> {
    const fileTenants = this.#fileSources.get(id);
    if (fileTenants?.includes(tenant)) {
      throw new DuplicateError(`id: "${id}" is a source of the config file; the API cannot replace or shadow it`);
    }
    if (await this.#store.get(tenant, id)) throw new DuplicateError(`id: tenant "${tenant}" already has a PBX profile "${id}"`);
    if (fileTenants || this.#manager.get(id) || (await this.#store.has(id))) throw new DuplicateError(`id: "${id}" is already taken`);
  }

  /** 404, or 409 when a change aims at a config-file source of this tenant. */
  #missing(tenant: string, id: string, changing: boolean): Error {
    const shown = id.slice(0, SHOWN_ID_LENGTH);
    if (this.#fileSources.get(id)?.includes(tenant)) {
      if (changing) {
        return new DuplicateError(`"${shown}" is a source of the config file: the API cannot change or delete it; edit the config file`);
      }
      return new NotFoundError(`no PBX profile "${shown}" for tenant "${tenant}" ("${shown}" is a source of the config file)`);
    }
    return new NotFoundError(`no PBX profile "${shown}" for tenant "${tenant}"`);
  }
}

/** The bridge tenants a config-file source serves: its `tenant`, or the keys of its `tenants` map. */
function tenantsOf(config: SourceConfig): readonly string[] {
  const binding = config as { tenant?: unknown; tenants?: unknown };
  if (typeof binding.tenant === 'string') return [binding.tenant];
  return isPlainObject(binding.tenants) ? Object.keys(binding.tenants) : [];
}
