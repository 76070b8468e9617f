/** What the API answers for a profile: the stored profile, secrets masked, plus how its source runs. */
import type { SourceStatus } from '../protocol/entities.js';
import type { StoredProfile } from './profile-store.js';
import { PROFILE_TYPES, type ProfileTypeName } from './profile-types.js';
import { maskSettings } from './secret-fields.js';

/**
 * How the profile's source runs: its health while running (`starting` before the first poll
 * result), `stopped` while disabled or when it could not be started (then `problem` says why).
 */
export type ProfileSourceStatus = SourceStatus | 'starting' | 'stopped';

/** The vendor's fields (secrets masked) and the profile's own, flat, as the seed API shows them. */
export interface ProfileView {
  readonly [field: string]: unknown;
  readonly _type: ProfileTypeName;
  readonly id: string;
  readonly name: string;
  readonly tenant: string;
  readonly enabled: boolean;
  readonly sourceStatus: ProfileSourceStatus;
  /** Why an enabled profile is not running (invalid with the current vendor, id taken, start failed). */
  readonly problem?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * @example
 * viewOf(stored, 'up'); // { url: 'https://pbx', key: '••••cdef', ..., _type: 'MirtaPbxConnectionProfile', id, ..., sourceStatus: 'up' }
 */
export function viewOf(profile: StoredProfile, sourceStatus: ProfileSourceStatus, problem?: string): ProfileView {
  return {
    ...maskSettings(profile.settings, PROFILE_TYPES[profile.type].secrets),
    _type: profile.type,
    id: profile.id,
    name: profile.name,
    tenant: profile.tenant,
    enabled: profile.enabled,
    sourceStatus,
    ...(problem === undefined ? {} : { problem }),
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
  };
}
