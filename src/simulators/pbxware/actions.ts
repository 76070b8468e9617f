/**
 * What each `action=pbxware.<object>.<method>` answers (seed 000; vendors README §4, §7.4). Every
 * refusal is HTTP 200 with `{"error": "<text>"}`; `Invalid API key.` is confirmed, the other texts
 * are the simulator's guesses (kept in ERROR_TEXTS so tests and docs name them once).
 */
import { parsePbxDateTime } from './dates.js';
import type { PbxwareModel, SimCdr, SimExtension } from './model.js';

export const ERROR_TEXTS = {
  badKey: 'Invalid API key.',
  action: 'Invalid action.',
  keyAction: 'API key is not allowed to use this action.',
  keyServer: 'API key is not allowed to access this tenant.',
  serverRequired: 'Server ID is required.',
  serverUnknown: 'Invalid server ID.',
  extIdOrExt: 'Please provide either id or ext.',
  extUnknown: 'Extension does not exist.',
  dateFormat: 'Invalid date format. Use Mon-DD-YYYY and HH:MM:SS.',
  noRecords: 'No records found.',
  packageUnknown: 'Package does not exist.',
  packageField: (field: string): string => `Invalid value for field '${field}'.`,
} as const;

/** `pbxware.cdr.download` columns: the current order, and one with the timestamp at index 3. */
export const CDR_HEADERS = {
  current: ['From', 'To', 'Date/Time', 'Total Duration', 'Rating Duration', 'Rating Cost', 'Status', 'Unique ID', 'Recording Path', 'Recording Available', 'Location Type', 'MOS'],
  alternate: ['Location Type', 'From', 'To', 'Date/Time', 'Total Duration', 'Rating Duration', 'Rating Cost', 'Status', 'Unique ID', 'Recording Path', 'Recording Available'],
} as const;
export type CdrHeaderLayout = keyof typeof CDR_HEADERS;

export const CDR_DEFAULT_LIMIT = 100;
export const CDR_MAX_LIMIT = 1000;

export interface ActionOptions {
  cdrHeader: CdrHeaderLayout;
  cdrOrder: 'asc' | 'desc';
  /** What a search without results answers: an empty `csv`, or an `error` body. */
  cdrEmpty: 'list' | 'error';
  /** `seed`: the seed's literal answer (`{"success":"Tenant package: 6","id":6}`); `settings`: the package's fields. */
  packageConfiguration: 'settings' | 'seed';
  utcOffsetMinutes: number;
}

export type Params = Readonly<Record<string, string>>;
type Body = Record<string, unknown> | unknown[];
const fail = (error: string): Body => ({ error });
/** PHP's json_encode turns an empty array into `[]`, a filled one keyed by id into an object. */
const keyed = (entries: Array<[string, unknown]>): Body => (entries.length === 0 ? [] : Object.fromEntries(entries));

function extRow(ext: SimExtension): Record<string, unknown> {
  return {
    name: ext.name,
    email: ext.email,
    protocol: ext.protocol,
    ext: ext.ext,
    location: 'local',
    ua_id: '50',
    ua_name: 'generic_sip',
    ua_fullname: 'Generic SIP',
    status: ext.status,
    macaddress: '',
    sn: '',
    linenum: '10',
    user_location: 'local',
    department: ext.department,
  };
}

function cdrCells(cdr: SimCdr, header: readonly string[]): unknown[] {
  const cells: Record<string, unknown> = {
    From: cdr.from,
    To: cdr.to,
    'Date/Time': Math.floor(cdr.startedAt / 1000),
    'Total Duration': String(cdr.durationSec),
    'Rating Duration': String(cdr.billsec),
    'Rating Cost': '0.00',
    Status: cdr.status,
    'Unique ID': cdr.uniqueId,
    'Recording Path': '',
    'Recording Available': cdr.recordingAvailable ? 'True' : 'False',
    'Location Type': cdr.locationType,
    MOS: '',
  };
  return header.map((name) => cells[name] ?? '');
}

function tenantList(model: PbxwareModel): Body {
  return keyed(
    [...model.tenants.values()].map((t) => [
      t.serverId,
      { name: t.name, tenantcode: t.tenantcode, package_id: t.packageId, package: model.packages.get(t.packageId)?.name ?? '', ext_length: t.extLength, country_id: t.countryId, country_code: t.countryCode },
    ]),
  );
}

function extConfiguration(model: PbxwareModel, server: string, params: Params): Body {
  const byId = params.id !== undefined && params.id !== '';
  const byExt = params.ext !== undefined && params.ext !== '';
  if (byId === byExt) return fail(ERROR_TEXTS.extIdOrExt);
  const ext = byId ? model.extensions.get(params.id ?? '') : model.findExtension(server, params.ext ?? '');
  if (!ext || ext.server !== server) return fail(ERROR_TEXTS.extUnknown);
  const code = model.tenants.get(server)?.tenantcode ?? '';
  const options = { context: `t-${code}`, username: `${code}${ext.ext}`, secret: ext.secret, callerid: `${ext.name} <${ext.ext}>` };
  return { [ext.id]: { ...extRow(ext), options } };
}

function cdrDownload(model: PbxwareModel, server: string, params: Params, options: ActionOptions): Body {
  const from = parsePbxDateTime(params.start ?? '', params.starttime ?? '00:00:00', options.utcOffsetMinutes);
  const to = parsePbxDateTime(params.end ?? '', params.endtime ?? '23:59:59', options.utcOffsetMinutes);
  if (from === undefined || to === undefined) return fail(ERROR_TEXTS.dateFormat);
  const page = Math.max(1, Number.parseInt(params.page ?? '1', 10) || 1);
  const asked = Number.parseInt(params.limit ?? '', 10);
  const limit = Number.isFinite(asked) && asked > 0 ? Math.min(asked, CDR_MAX_LIMIT) : CDR_DEFAULT_LIMIT;
  // Second precision, like the SQL behind it.
  const rows = model.cdrsBetween(server, from, to + 999);
  if (options.cdrOrder === 'desc') rows.reverse();
  const slice = rows.slice((page - 1) * limit, page * limit);
  if (rows.length === 0 && options.cdrEmpty === 'error') return fail(ERROR_TEXTS.noRecords);
  const header = CDR_HEADERS[options.cdrHeader];
  return {
    success: 'Success.',
    next_page: page * limit < rows.length,
    limit,
    records: slice.length,
    header: [...header],
    csv: slice.map((cdr) => cdrCells(cdr, header)),
  };
}

/** `package.add` / `package.edit` fields and their rules (seed 000). */
const PACKAGE_FIELDS: Readonly<Record<string, RegExp>> = {
  restrict_splans: /^(1|0)$/,
  allowed_service_plans: /^\d{1,9}(,\d{1,9})*$/,
  service_plan: /^\d{1,9}$/,
  call_recordings: /^(1|0)$/,
  monitoring: /^(1|0)$/,
  call_screening: /^(1|0)$/,
  extensions: /^\d{1,4}$/,
  voicemails: /^\d{1,4}$/,
  queues: /^\d{1,4}$/,
  cfs: /^\d{1,4}$/,
  rgroups: /^\d{1,4}$/,
  hot_desking: /^\d{1,4}$/,
  ivrs: /^\d{1,4}$/,
};
const PACKAGE_REQUIRED = ['name', 'call_recordings', 'monitoring', 'call_screening', 'extensions', 'voicemails', 'queues', 'cfs', 'rgroups', 'ivrs'];

function packageSettingsFrom(params: Params, required: boolean): { settings: Record<string, string> } | { error: string } {
  const settings: Record<string, string> = {};
  for (const field of required ? PACKAGE_REQUIRED : []) if ((params[field] ?? '') === '') return { error: ERROR_TEXTS.packageField(field) };
  for (const [field, rule] of Object.entries(PACKAGE_FIELDS)) {
    const value = params[field];
    if (value === undefined || value === '') continue;
    if (!rule.test(value)) return { error: ERROR_TEXTS.packageField(field) };
    settings[field] = value;
  }
  return { settings };
}

function packageAction(model: PbxwareModel, method: string, params: Params, options: ActionOptions): Body {
  if (method === 'list') return keyed([...model.packages.values()].map((p) => [p.id, p.name]));
  if (method === 'add') {
    const parsed = packageSettingsFrom(params, true);
    if ('error' in parsed) return fail(parsed.error);
    const pkg = model.addPackage(params.name ?? '', parsed.settings);
    return { success: `Tenant package: ${pkg.id}`, id: Number(pkg.id) };
  }
  const pkg = model.packages.get(params.id ?? '');
  if (!pkg) return fail(ERROR_TEXTS.packageUnknown);
  switch (method) {
    case 'configuration':
      if (options.packageConfiguration === 'seed') return { success: `Tenant package: ${pkg.id}`, id: Number(pkg.id) };
      return { name: pkg.name, ...pkg.settings };
    case 'edit': {
      const parsed = packageSettingsFrom(params, false);
      if ('error' in parsed) return fail(parsed.error);
      Object.assign(pkg.settings, parsed.settings);
      if (params.name) pkg.name = params.name;
      return { success: `Tenant package: ${pkg.id}`, id: Number(pkg.id) };
    }
    case 'delete':
      model.packages.delete(pkg.id);
      // The seed's delete answer has a string id where add/edit have a number.
      return { success: `Tenant package ID: ${pkg.id}.`, id: pkg.id };
    default:
      return fail(ERROR_TEXTS.action);
  }
}

/** Actions that work on one tenant and so need `server` on a multi-tenant system. */
export const SERVER_ACTIONS: ReadonlySet<string> = new Set(['pbxware.ext.list', 'pbxware.ext.configuration', 'pbxware.did.list', 'pbxware.cdr.download']);

/**
 * The body for an action whose key was accepted.
 *
 * @example
 * runAction('pbxware.ext.list', { server: '2' }, model, options); // { "1": { name: "User 530", ext: "530", ... } }
 */
export function runAction(action: string, params: Params, model: PbxwareModel, options: ActionOptions): Body {
  const server = params.server ?? '';
  if (SERVER_ACTIONS.has(action)) {
    if (server === '') return fail(ERROR_TEXTS.serverRequired);
    if (!model.tenants.has(server)) return fail(ERROR_TEXTS.serverUnknown);
  }
  switch (action) {
    case 'pbxware.tenant.list':
      return tenantList(model);
    case 'pbxware.ext.list':
      return keyed(model.extensionsOf(server).map((ext) => [ext.id, extRow(ext)]));
    case 'pbxware.ext.configuration':
      return extConfiguration(model, server, params);
    case 'pbxware.did.list':
      return keyed(
        [...model.dids.values()].filter((d) => d.server === server).map((d) => [d.id, { number: d.number, number2: '', server: d.server, trunk: d.trunk, type: 'Extension', ext: d.ext, status: d.status }]),
      );
    case 'pbxware.cdr.download':
      return cdrDownload(model, server, params, options);
    case 'pbxware.license.info':
      return { Edition: 'Multi-Tenant', Version: '7.2 (sim)', Channels: '512', Tenants: String(model.tenants.size), Extensions: String(model.extensions.size) };
    default: {
      const m = /^pbxware\.package\.(\w+)$/.exec(action);
      // No call control exists: pbxware.call.* and any other name are unknown actions.
      return m?.[1] ? packageAction(model, m[1], params, options) : fail(ERROR_TEXTS.action);
    }
  }
}
