import { parseArgs } from 'node:util';

export interface CliCommand {
  name: 'start' | 'demo' | 'check' | 'help';
  config?: string;
  port?: number;
  host?: string;
  token?: string;
}

export class UsageError extends Error {
  readonly code = 'usage' as const;
}

export const USAGE = `Usage:
  callbridge start [--config FILE]      start the bridge (or CALLBRIDGE_CONFIG=FILE)
  callbridge demo [--port N] [--token T] start with simulated PBXs, print the wallboard URL and token
  callbridge check [--config FILE]      validate the config and try each source once
  callbridge help                       this text`;

/** Parses argv (without node and the script). Throws UsageError with a readable message. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliCommand {
  const [name = 'help', ...rest] = argv;
  if (name === 'help' || name === '--help' || name === '-h') return { name: 'help' };
  if (name !== 'start' && name !== 'demo' && name !== 'check') throw new UsageError(`unknown command "${name}"`);
  let values: { config?: string; port?: string; host?: string; token?: string };
  try {
    ({ values } = parseArgs({
      args: [...rest],
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        token: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const command: CliCommand = { name };
  if (name === 'demo') {
    if (values.config !== undefined) throw new UsageError('demo takes no --config: it builds its own');
    if (values.port !== undefined) {
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be 0..65535, got "${values.port}"`);
      command.port = port;
    }
    if (values.token !== undefined) {
      if (values.token.length < 16) throw new UsageError('--token must be at least 16 characters');
      command.token = values.token;
    }
    if (values.host !== undefined) command.host = values.host;
    return command;
  }
  if (values.port !== undefined || values.token !== undefined) throw new UsageError(`${name} takes only --config`);
  const config = values.config ?? env.CALLBRIDGE_CONFIG;
  if (config === undefined) throw new UsageError(`${name} needs --config FILE (or CALLBRIDGE_CONFIG)`);
  command.config = config;
  return command;
}
