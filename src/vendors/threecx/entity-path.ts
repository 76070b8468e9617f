/**
 * The entity a websocket notification names (`/callcontrol/100/participants/7`), and the
 * bridge keys built from 3CX identifiers. Participant ids are PBX-wide numbers, but the REST
 * paths need the DN too, so a channel key carries both: `100/7`.
 */

export type EntityRef =
  | { kind: 'dn'; dn: string }
  | { kind: 'participants'; dn: string }
  | { kind: 'participant'; dn: string; id: string }
  | { kind: 'devices'; dn: string }
  | { kind: 'device'; dn: string; deviceId: string };

const ROOT = 'callcontrol';
const PARTICIPANT_ID = /^\d{1,15}$/;
const DN = /^[^/\s]{1,64}$/;

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** What `/callcontrol/...` names, or undefined for anything the bridge does not follow. */
export function parseEntityPath(path: string): EntityRef | undefined {
  const segments = path.split('?')[0]?.split('/').filter((segment) => segment !== '') ?? [];
  const root = segments.indexOf(ROOT);
  if (root < 0) return undefined;
  const rest = segments.slice(root + 1).map(decode);
  if (rest.some((segment) => segment === undefined)) return undefined;
  const [dn, collection, id, ...extra] = rest as string[];
  if (dn === undefined || !DN.test(dn) || dn === 'ws' || extra.length > 0) return undefined;
  if (collection === undefined) return { kind: 'dn', dn };
  if (collection === 'participants') {
    if (id === undefined) return { kind: 'participants', dn };
    return PARTICIPANT_ID.test(id) ? { kind: 'participant', dn, id } : undefined;
  }
  if (collection === 'devices') {
    if (id === undefined) return { kind: 'devices', dn };
    return id.length <= 512 ? { kind: 'device', dn, deviceId: id } : undefined;
  }
  return undefined;
}

/**
 * What a notification is read through. A device is read through its DN's device list: that
 * path is documented [C], a single device's is not [U], and a 404 from a guessed path would
 * read as "device gone".
 */
export function readTarget(ref: EntityRef): EntityRef {
  return ref.kind === 'device' ? { kind: 'devices', dn: ref.dn } : ref;
}

/** One string per entity (the same notification path always gives the same string). */
export function refId(ref: EntityRef): string {
  switch (ref.kind) {
    case 'dn':
      return `dn:${ref.dn}`;
    case 'participants':
    case 'devices':
      return `${ref.kind}:${ref.dn}`;
    case 'participant':
      return `participant:${ref.dn}/${ref.id}`;
    case 'device':
      return `device:${ref.dn}/${ref.deviceId}`;
  }
}

/** The REST path of an entity, segments encoded. */
export function refPath(ref: EntityRef): string {
  const dn = `/callcontrol/${encodeURIComponent(ref.dn)}`;
  switch (ref.kind) {
    case 'dn':
      return dn;
    case 'participants':
    case 'devices':
      return `${dn}/${ref.kind}`;
    case 'participant':
      return `${dn}/participants/${encodeURIComponent(ref.id)}`;
    case 'device':
      return `${dn}/devices/${encodeURIComponent(ref.deviceId)}`;
  }
}

/** `channels` key of a participant. */
export const channelKey = (dn: string, participantId: string | number): string => `${dn}/${participantId}`;
/** `peers` key of a device: its DN, a slash, the device id (a DN key has no slash). */
export const devicePeerKey = (dn: string, deviceId: string): string => `${dn}/${deviceId}`;

/** `100/7` -> `{dn: '100', id: '7'}`; undefined when it is not a channel key. */
export function splitChannelKey(key: string): { dn: string; id: string } | undefined {
  const slash = key.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const dn = key.slice(0, slash);
  const id = key.slice(slash + 1);
  return DN.test(dn) && PARTICIPANT_ID.test(id) ? { dn, id } : undefined;
}
