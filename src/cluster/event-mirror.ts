/**
 * A second stream the event log's APPEND script writes each event into, in the same atomic step
 * that numbers it (cluster mode: the socket.io adapter's stream; server/cluster-broadcast.ts).
 */
import type { EventDraft } from '../bus/event-log.js';

/**
 * One copy of an event in the mirror stream: an entry whose field `r` is `rooms` and whose field
 * `data` is `head + seq + tail` (the caller writes the text around the number only the script
 * knows).
 */
export interface MirrorCopy {
  readonly rooms: string;
  readonly head: string;
  readonly tail: string;
}

/**
 * Where and how APPEND copies each event, beside the log: entries `uid nsp type r data`, the
 * shape of @socket.io/redis-streams-adapter's stream (server/cluster-broadcast.ts builds one).
 */
export interface EventMirror {
  readonly stream: string;
  /** The stream is trimmed to about this many entries (`MAXLEN ~`). */
  readonly maxLen: number;
  readonly uid: string;
  readonly nsp: string;
  readonly type: string;
  /** The copies of one event (none: not mirrored); `draftJson` is `JSON.stringify(draft)`. */
  copies(tenant: string, draft: EventDraft, draftJson: string): readonly MirrorCopy[];
}
