/** Plain-text tables and number formatting for bench reports. */

export type Cell = string | number;

/** `1234.5` -> `1,235`; small values keep `digits` decimals; NaN shows as `-`. */
export function fmt(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return '-';
  if (Math.abs(value) >= 1_000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(digits);
}

/** A ratio `a / b` as `1.23x`, or `-` when it is undefined. */
export function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '-';
  return `${(a / b).toFixed(2)}x`;
}

/**
 * Renders rows under a header, numbers right-aligned.
 *
 * @example
 * console.log(table(['size', 'ms'], [[1000, fmt(3.2)]]));
 */
export function table(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const render = (row: readonly string[], original: readonly Cell[] | undefined) =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        const numeric = original !== undefined && (typeof original[column] === 'number' || /^[-\d.,]+(x|%| ms)?$/.test(cell));
        return column > 0 && numeric ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const lines = [render(cells[0] ?? [], undefined), widths.map((w) => '-'.repeat(w)).join('  ')];
  cells.slice(1).forEach((row, i) => lines.push(render(row, rows[i])));
  return lines.join('\n');
}
