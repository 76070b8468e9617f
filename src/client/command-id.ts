/** Command ids: UUID v4, from the platform's crypto (browsers, Node 20). */

const hex = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

/**
 * A fresh command id (the bridge's idempotency key). `crypto.randomUUID` is missing on pages
 * served over plain HTTP (it needs a secure context), `getRandomValues` is not.
 *
 * @example
 * const id = newCommandId(); // '3b241101-e2bb-4255-8caf-4136c566a962'
 * await cb.command('hangup', { channel }, { id });
 */
export function newCommandId(): string {
  const crypto = globalThis.crypto;
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const text = hex(bytes);
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}
