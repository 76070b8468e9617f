/** `/widget.js`: the button's browser script (src/widget/widget.js), read once and kept. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const WIDGET_SCRIPT_PATH = fileURLToPath(new URL('../widget/widget.js', import.meta.url));

let cached: Promise<string> | undefined;

export function widgetScript(): Promise<string> {
  cached ??= readFile(WIDGET_SCRIPT_PATH, 'utf8').catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}
