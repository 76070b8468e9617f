/** PHP's `serialize()`, for `apiformat=php` answers. */

/**
 * @example
 * phpSerialize({ '1': 'Package 1' }); // 'a:1:{i:1;s:9:"Package 1";}'
 */
export function phpSerialize(value: unknown): string {
  if (value === null || value === undefined) return 'N;';
  if (typeof value === 'boolean') return `b:${value ? 1 : 0};`;
  if (typeof value === 'number') return Number.isInteger(value) ? `i:${value};` : `d:${value};`;
  if (typeof value === 'string') return `s:${Buffer.byteLength(value, 'utf8')}:"${value}";`;
  const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((item, index) => [String(index), item]) : Object.entries(value as object);
  // PHP turns numeric string keys into integer keys.
  const key = (name: string): string => (/^(?:0|-?[1-9]\d{0,17})$/.test(name) ? `i:${name};` : phpSerialize(name));
  return `a:${entries.length}:{${entries.map(([name, item]) => key(name) + phpSerialize(item)).join('')}}`;
}
