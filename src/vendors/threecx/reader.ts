/**
 * The reads the tracker needs, bound to one client, budget and stop signal: the whole tree
 * (resync) and the one entity a notification names. Reads go through the vendor budget as
 * polls, so a storm of notifications never starves a command.
 */
import type { z } from 'zod';
import type { VendorBudget } from '../../sources/vendor-budget.js';
import type { CallControlClient } from './client.js';
import { readTarget, refPath, type EntityRef } from './entity-path.js';
import {
  DeviceListSchema,
  DnInfoSchema,
  DnListSchema,
  ParticipantListSchema,
  ParticipantSchema,
  type Device,
  type DnInfo,
  type Participant,
} from './parsers.js';

export type EntityBody =
  | { kind: 'dn'; info: DnInfo }
  | { kind: 'participants'; list: Participant[] }
  | { kind: 'participant'; participant: Participant }
  | { kind: 'devices'; list: Device[] };

export interface CallControlReader {
  /** `GET /callcontrol`: every monitored DN with its devices and participants. */
  snapshot(): Promise<DnInfo[]>;
  /** The entity's current state, or undefined when 3CX no longer has it (404). A device is read with its DN's list. */
  entity(ref: EntityRef): Promise<EntityBody | undefined>;
}

export function createReader(options: { client: CallControlClient; budget: VendorBudget; timeoutMs: number; signal: () => AbortSignal }): CallControlReader {
  const { client, budget, timeoutMs } = options;
  const read = <T>(path: string, schema: z.ZodType<T>, missingIsGone: boolean): Promise<T | undefined> => {
    const signal = options.signal();
    return budget.run('poll', () => client.get<T>(path, schema, { timeoutMs, signal, missingIsGone }), signal);
  };
  return {
    async snapshot() {
      return (await read('/callcontrol', DnListSchema, false)) ?? [];
    },
    async entity(ref) {
      const path = refPath(ref);
      switch (ref.kind) {
        case 'dn': {
          const info = await read(path, DnInfoSchema, true);
          return info && { kind: 'dn', info };
        }
        case 'participants': {
          const list = await read(path, ParticipantListSchema, true);
          return list && { kind: 'participants', list };
        }
        case 'participant': {
          const participant = await read(path, ParticipantSchema, true);
          return participant && { kind: 'participant', participant };
        }
        case 'device':
        case 'devices': {
          const list = await read(refPath(readTarget(ref)), DeviceListSchema, true);
          return list && { kind: 'devices', list };
        }
      }
    },
  };
}
