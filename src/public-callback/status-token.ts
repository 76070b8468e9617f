/**
 * The visitor's read-only handle on one callback: `GET /v1/public/callback/{token}`.
 *
 * The token is signed, not stored: any node of a cluster can check it without shared state, and
 * no table grows with the public's requests. It names the callback and the widget (whose origins
 * the status routes answer CORS for) and expires; it grants nothing but reading that callback's
 * state. Its payload is not secret (a tracking id), only unforgeable.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export interface CallbackHandle {
  readonly tenant: string;
  readonly trackingId: string;
  readonly widgetKey: string;
  /** Epoch ms after which the token is refused. */
  readonly expiresAt: number;
}

const PayloadSchema = z.strictObject({
  t: z.string().min(1).max(64),
  k: z.string().min(1).max(64),
  w: z.string().min(1).max(64),
  e: z.number().int().positive(),
});

const SIGNATURE_BYTES = 18;
const MAX_TOKEN_CHARS = 512;

/**
 * The signing key: the same on every node that shares the config file, unguessable as long as the
 * config holds a secret (every config has a token or a jwtSecret), and never the secret itself.
 */
export function deriveStatusKey(secrets: readonly string[]): Buffer {
  const hash = createHash('sha256').update('callbridge:public-callback-status:v1');
  for (const secret of secrets) hash.update('\0').update(secret);
  return hash.digest();
}

export class StatusTokens {
  readonly #key: Buffer;
  readonly #ttlMs: number;

  constructor(key: Buffer, ttlMs: number) {
    this.#key = key;
    this.#ttlMs = ttlMs;
  }

  issue(handle: Omit<CallbackHandle, 'expiresAt'>, now = Date.now()): { token: string; expiresAt: number } {
    const expiresAt = now + this.#ttlMs;
    const payload = Buffer.from(JSON.stringify({ t: handle.tenant, k: handle.trackingId, w: handle.widgetKey, e: Math.ceil(expiresAt / 1000) })).toString('base64url');
    return { token: `${payload}.${this.#sign(payload)}`, expiresAt };
  }

  /** The handle, or undefined for a malformed, forged or expired token. */
  verify(token: string, now = Date.now()): CallbackHandle | undefined {
    if (token.length > MAX_TOKEN_CHARS) return undefined;
    const [payload, signature, extra] = token.split('.');
    if (payload === undefined || signature === undefined || extra !== undefined) return undefined;
    const expected = Buffer.from(this.#sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    const parsed = PayloadSchema.safeParse(decoded);
    if (!parsed.success || parsed.data.e * 1000 <= now) return undefined;
    return { tenant: parsed.data.t, trackingId: parsed.data.k, widgetKey: parsed.data.w, expiresAt: parsed.data.e * 1000 };
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest().subarray(0, SIGNATURE_BYTES).toString('base64url');
  }
}
