/**
 * `widgets:` in the config file (protocol §5–6): each entry is one public click-to-call button.
 * The widget key is not a secret (it sits in the host page's HTML); what protects the route is
 * that a key can do exactly one thing — ask its own WebAppel popup to call back a number that
 * matches its patterns — and only so often.
 */
import { z } from 'zod';
import { parseDuration } from '../config/duration.js';
import { NameSchema } from '../protocol/messages.js';

/** `5/10m`: at most 5 within any 10 minutes (from the first of them: a fixed window). */
export interface RateSpec {
  readonly points: number;
  readonly windowMs: number;
}

const RATE_RE = /^\s*(\d{1,6})\s*\/\s*(\S+)\s*$/;

export const RateSpecSchema = z.string().transform((text, ctx): RateSpec => {
  const match = RATE_RE.exec(text);
  const windowMs = match?.[2] === undefined ? undefined : parseDuration(match[2]);
  const points = Number(match?.[1]);
  if (!match || windowMs === undefined || windowMs < 1000 || points < 1) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text.slice(0, 40))} is not a rate like 5/10m (count / duration of at least 1s)` });
    return z.NEVER;
  }
  return { points, windowMs };
});

/** A page origin as browsers send it (`https://www.acme.example`, no path), or `self`. */
const OriginSchema = z.string().refine(
  (value) => {
    if (value === 'self') return true;
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
    } catch {
      return false;
    }
  },
  { message: 'an origin like https://www.example.com (scheme, host, optional port; no path or trailing slash) or "self"' },
);

const PatternSchema = z
  .string()
  .min(1)
  .max(200)
  .transform((source, ctx) => {
    try {
      return new RegExp(source);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(source.slice(0, 40))} is not a valid regular expression` });
      return z.NEVER;
    }
  });

export const WidgetConfigSchema = z.strictObject({
  /** Public identifier the page's script sends as `widgetKey`. */
  key: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/, '4 to 64 letters, digits, _ or -'),
  tenant: NameSchema,
  /** A `vendor: webappel` source serving `tenant`. */
  source: NameSchema,
  /** The WebAppel popup (`id_popup`) that calls back; must be one of the source's `popups`. */
  popup: z.union([z.number().int().nonnegative(), z.string().regex(/^[A-Za-z0-9_-]{1,32}$/)]).transform(String),
  /** E.164 numbers (digits, no `+`) accepted, as regular expressions; one must match. */
  numbers: z.array(PatternSchema).min(1),
  /** Page origins allowed to use the button (CORS); `self` = pages served by the bridge itself. */
  origins: z.array(OriginSchema).min(1),
  /** Country (ISO 3166 alpha-2) for numbers typed in national form (`01 70 20 02 58`). */
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 code like FR')
    .optional(),
  limits: z
    .strictObject({
      /** Requests per client IP (whatever their outcome). */
      perIp: RateSpecSchema.prefault('5/10m'),
      /** Callbacks per called number: carriers flag numbers that are dialled repeatedly. */
      perNumber: RateSpecSchema.prefault('3/1h'),
    })
    .prefault({}),
});

export type WidgetConfig = z.infer<typeof WidgetConfigSchema>;
