/**
 * MiRTA names carry their tenant: `<ext>-<TENANTCODE>` (peers, agents, hints) and channels named
 * after their peer. These helpers read that suffix; with an admin key it is the only thing that
 * keeps one customer's rows out of another's events.
 */
import type { Row } from './parsers.js';

/** The tenant code a `<ext>-<CODE>` name ends with (longest match, case-insensitive). */
export function tenantCodeOf(name: string | undefined, codes: readonly string[]): string | undefined {
  if (!name) return undefined;
  const lower = name.toLowerCase();
  let best: string | undefined;
  for (const code of codes) {
    if (lower.endsWith(`-${code.toLowerCase()}`) && (best === undefined || code.length > best.length)) best = code;
  }
  return best;
}

/** `100-DEMO` -> `100` when DEMO is the given code; otherwise unchanged. */
export function stripTenantCode(name: string, code: string): string {
  const suffix = `-${code}`;
  return name.toLowerCase().endsWith(suffix.toLowerCase()) && name.length > suffix.length ? name.slice(0, -suffix.length) : name;
}

/**
 * Groups admin-key rows by tenant code. Rows of tenants this bridge does not map are dropped:
 * they belong to other customers of the PBX.
 */
export function splitByTenant(rows: readonly Row[], codeOf: (row: Row) => string | undefined, codes: readonly string[]): Map<string, Row[]> {
  const byCode = new Map<string, Row[]>(codes.map((code) => [code, []]));
  for (const row of rows) {
    const code = codeOf(row);
    if (code !== undefined) byCode.get(code)?.push(row);
  }
  return byCode;
}
