import type { z } from 'zod';

/** Dotted/bracketed path as users write it in config files and payloads: `sources[1].key`. */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

/** One line per issue, each naming the field: `args.to: Invalid input: expected string`. */
export function zodIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    return `${formatPath(issue.path, prefix)}: ${issue.message}${keys}`;
  });
}

/** A short message for an ack: the first issues only, so a hostile payload cannot bloat it. */
export function zodMessage(error: z.ZodError, prefix = ''): string {
  const lines = zodIssues(error, prefix);
  const shown = lines.slice(0, 3).join('; ');
  return lines.length > 3 ? `${shown}; and ${lines.length - 3} more` : shown;
}
