/**
 * Bench knobs: `--name=value` on the command line wins over the `NAME` environment variable,
 * which wins over the default. Values are validated once, with messages that name the knob.
 */

export interface IntKnob {
  /** Upper snake case: the env var; the flag is its lower kebab case (`E2E_WINDOW` -> `--e2e-window`). */
  readonly name: string;
  readonly fallback: number;
  readonly min: number;
  readonly max: number;
}

function flagName(name: string): string {
  return `--${name.toLowerCase().replace(/_/g, '-')}`;
}

function rawValue(name: string): string | undefined {
  const flag = flagName(name);
  for (const arg of process.argv.slice(2)) {
    if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1);
  }
  return process.env[name];
}

/**
 * @example
 * const clients = intKnob({ name: 'CLIENTS', fallback: 200, min: 1, max: 5_000 });
 */
export function intKnob(knob: IntKnob): number {
  const text = rawValue(knob.name);
  if (text === undefined || text.trim() === '') return knob.fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < knob.min || value > knob.max) {
    throw new RangeError(`${knob.name} (${flagName(knob.name)}): expected an integer in [${knob.min}, ${knob.max}], received "${text}"`);
  }
  return value;
}

/** A knob with a fixed set of values. */
export function choiceKnob<T extends string>(name: string, choices: readonly T[], fallback: T): T {
  const text = rawValue(name);
  if (text === undefined || text.trim() === '') return fallback;
  if (!(choices as readonly string[]).includes(text)) {
    throw new RangeError(`${name} (${flagName(name)}): expected one of ${choices.join(', ')}, received "${text}"`);
  }
  return text as T;
}
