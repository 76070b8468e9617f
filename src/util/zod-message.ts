import type { z } from 'zod';

/** Dotted/bracketed path as users write it in config files and payloads: `sources[1].key`. */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    // A key from the input (a map's key, an unknown field) may hold anything, newlines included:
    // quoted, so that one problem stays one line.
    else if (!PLAIN_KEY.test(String(part))) out += `[${JSON.stringify(String(part))}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

const PLAIN_KEY = /^[A-Za-z0-9_$-]{1,64}$/;
const quoteKey = (key: string): string => (PLAIN_KEY.test(key) ? key : JSON.stringify(key.slice(0, 64)));

/** One line per issue, each naming the field: `args.to: Invalid input: expected string`. */
export function zodIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.map(quoteKey).join(', ')})` : '';
    return `${formatPath(issue.path, prefix)}: ${issue.message}${keys}`;
  });
}

/** A short message for an ack: the first issues only, so a hostile payload cannot bloat it. */
export function zodMessage(error: z.ZodError, prefix = ''): string {
  const lines = zodIssues(error, prefix);
  const shown = lines.slice(0, 3).join('; ');
  return lines.length > 3 ? `${shown}; and ${lines.length - 3} more` : shown;
}
