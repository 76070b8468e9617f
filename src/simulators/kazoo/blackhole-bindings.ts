/** Blackhole binding validation and matching (bh_call.erl and friends), with the exact error strings. */
import { SIM_CALL_EVENTS, type SimCallEvent } from './model-types.js';

export type Flavor = '4.3' | '5.x';

const OBJECT_ACTIONS = new Set(['doc_created', 'doc_edited', 'doc_deleted', '*']);
const OBJECT_TYPES = new Set(['account', 'callflow', 'device', 'faxbox', 'media', 'user', 'vmbox', 'fax', 'mailbox_message', 'call_recording', '*']);
const NO_SUBSCRIPTION = 'no available subscriptions to requested binding';

/** The error blackhole answers for `binding`, or undefined when it is accepted. */
export function bindingError(binding: string): string | undefined {
  const parts = binding.split('.');
  switch (parts[0]) {
    case 'call': {
      if (parts.length !== 3) return `invalid format for call subscription : ${binding}`;
      const event = parts[1] ?? '';
      if (event !== '*' && !(SIM_CALL_EVENTS as readonly string[]).includes(event)) return `event ${event} not supported`;
      return undefined;
    }
    case 'object':
      return parts.length === 3 && OBJECT_ACTIONS.has(parts[1] ?? '') && OBJECT_TYPES.has(parts[2] ?? '') ? undefined : NO_SUBSCRIPTION;
    case 'conference':
    case 'fax':
      return parts.length >= 3 ? undefined : NO_SUBSCRIPTION;
    case 'qubicle':
      // The commercial bh_qubicle module: accepted, never fed by this simulator.
      return ['qubicle.session', 'qubicle.recipient', 'qubicle.queue'].includes(binding) ? undefined : NO_SUBSCRIPTION;
    default:
      return NO_SUBSCRIPTION;
  }
}

/** Whether a (valid) binding receives `event`. */
export function bindingMatches(binding: string, event: SimCallEvent): boolean {
  const [kind, name, id] = binding.split('.');
  if (kind !== 'call') return false;
  return (name === '*' || name === event.name) && (id === '*' || id === event.callId);
}

/** AMQP routing-key encoding of a call id (`.` and wildcards escaped), as blackhole_listener builds it. */
export function routingKey(event: SimCallEvent): string {
  const encoded = event.callId.replace(/[.*#%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `call.${event.accountId}.${event.name}.${encoded}`;
}
