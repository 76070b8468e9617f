/**
 * PBXware answers (seed 000, vendors README §4), validated with zod. A body of the wrong shape
 * is a `parse` PollError: it never becomes "every extension removed". Types on the wire are
 * inconsistent (ids are strings here and numbers there), so scalars are read as text.
 */
import { z } from 'zod';
import { PollError } from '../../pollers/poll-error.js';
import { PBXWARE_VENDOR_NAME } from './vendor-errors.js';

const IdKey = z.string().regex(/^\d+$/);
const Text = z.union([z.string(), z.number()]).transform((value) => String(value));
const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** PHP's json_encode gives `[]` for an empty array where a filled one is an object. */
const EmptyList = z.array(z.never()).length(0);

function parseWith<T>(schema: z.ZodType<T>, data: unknown, action: string): T {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` (at ${issue.path.map(String).join('.').slice(0, 80)})` : '';
  throw new PollError('parse', `${PBXWARE_VENDOR_NAME} answer to ${action} does not have the expected shape${where}`);
}

/** An object keyed by numeric ids, or `[]` when empty. */
function keyed<T extends z.ZodType>(row: T): z.ZodType<Record<string, z.output<T>>> {
  return z.union([z.record(IdKey, row), EmptyList.transform((): Record<string, z.output<T>> => ({}))]);
}

// ---------------------------------------------------------------- pbxware.tenant.list

export const TenantRowSchema = z.looseObject({
  name: z.string().nullish(),
  tenantcode: Text.nullish(),
  package_id: Text.nullish(),
  package: z.string().nullish(),
  ext_length: Text.nullish(),
  country_code: Text.nullish(),
});
export type TenantRow = z.infer<typeof TenantRowSchema>;

/** `{"<serverId>": {name, tenantcode, package_id, package, ext_length, ...}}`. */
export function parseTenantList(data: unknown): Map<string, TenantRow> {
  return new Map(Object.entries(parseWith(keyed(TenantRowSchema), data, 'pbxware.tenant.list')));
}

// ---------------------------------------------------------------- pbxware.ext.list

export const ExtRowSchema = z.looseObject({
  ext: Text.refine((value) => value.trim() !== '', 'an extension number'),
  name: z.string().nullish(),
  protocol: z.string().nullish(),
  /** The admin enabled/disabled flag, not registration. */
  status: z.string().nullish(),
  location: z.string().nullish(),
  ua_name: z.string().nullish(),
  ua_fullname: z.string().nullish(),
  department: Text.nullish(),
});
export type ExtRow = z.infer<typeof ExtRowSchema>;

/** `{"<extensionId>": {name, ext, protocol, status, ...}}`, keyed by PBXware's extension id. */
export function parseExtList(data: unknown): Map<string, ExtRow> {
  return new Map(Object.entries(parseWith(keyed(ExtRowSchema), data, 'pbxware.ext.list')));
}

// ---------------------------------------------------------------- pbxware.package.*

/** `{"1": "Package 1", ...}`. */
export function parsePackageList(data: unknown): Map<string, string> {
  return new Map(Object.entries(parseWith(keyed(z.string()), data, 'pbxware.package.list')));
}

export type PackageConfiguration =
  /** The seed's documented answer: only an acknowledgement, no settings. */
  | { kind: 'ack' }
  | { kind: 'settings'; settings: Record<string, string> };

const SuccessSchema = z.looseObject({ success: z.string(), id: Text.optional() });
const SettingsSchema = z.record(z.string(), Scalar);

/**
 * `pbxware.package.configuration`. The seed documents `{"success":"Tenant package: 6","id":6}`;
 * a settings object (the fields `package.add` takes), possibly wrapped under its id, is read too.
 */
export function parsePackageConfiguration(data: unknown): PackageConfiguration {
  const ack = SuccessSchema.safeParse(data);
  if (ack.success && Object.keys(ack.data).every((key) => key === 'success' || key === 'id')) return { kind: 'ack' };
  let body = data;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const entries = Object.entries(body);
    const only = entries[0];
    if (entries.length === 1 && only && /^\d+$/.test(only[0]) && typeof only[1] === 'object' && only[1] !== null) body = only[1];
  }
  const settings = parseWith(SettingsSchema, body, 'pbxware.package.configuration');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) if (value !== null) out[name] = String(value);
  return { kind: 'settings', settings: out };
}

// ---------------------------------------------------------------- pbxware.cdr.download

const CdrPageSchema = z
  .looseObject({
    success: z.string().optional(),
    next_page: z.union([z.boolean(), z.number(), z.string()]).nullish(),
    limit: Text.nullish(),
    records: Text.nullish(),
    header: z.array(z.string()).optional(),
    csv: z.array(z.array(Scalar)).optional(),
  })
  .refine((page) => page.csv !== undefined || page.success !== undefined, 'neither csv rows nor success');

export interface CdrPage {
  header: string[];
  /** Rows as text cells, aligned with `header`. */
  rows: string[][];
  nextPage: boolean;
}

const truthy = (value: unknown): boolean => value === true || value === 1 || value === '1' || value === 'true';

/** `{"success":"Success.","next_page":true,"limit":99,"records":99,"header":[…],"csv":[[…],…]}`. */
export function parseCdrPage(data: unknown): CdrPage {
  const page = parseWith(CdrPageSchema, data, 'pbxware.cdr.download');
  const rows = (page.csv ?? []).map((row) => row.map((cell) => (cell === null ? '' : String(cell))));
  const header = page.header ?? [];
  if (rows.length > 0 && header.length === 0) throw new PollError('parse', `${PBXWARE_VENDOR_NAME} CDR answer has rows but no header`);
  return { header, rows, nextPage: truthy(page.next_page) };
}
