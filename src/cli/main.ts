/** The `callbridge` command line (protocol §6). Returns the process exit code. */
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { startBridge, type Bridge } from '../bridge.js';
import { startDemo } from '../demo/demo.js';
import { createLogger } from '../util/logger.js';
import { WALLBOARD_DIR } from '../wallboard-dir.js';
import { parseCli, USAGE, UsageError, type CliCommand } from './args.js';
import { checkSources } from './check.js';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

/**
 * The whole shutdown may take this long (commands finishing, leases released, sockets drained);
 * past it, or at a second signal, the process exits at once.
 */
export const SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * SIGHUP re-reads the config file and applies its `auth` section to live connections (removed
 * tokens are cut off at once); a file that does not validate changes nothing. Other sections need
 * a restart, which the log says.
 */
function reloadOnHangup(bridge: Bridge, file: string): () => void {
  const reload = () => {
    loadConfig(file).then(
      (next) => {
        const result = bridge.reloadAuth(next);
        const { auth: _nextAuth, ...nextRest } = next;
        const { auth: _auth, ...rest } = bridge.config;
        if (JSON.stringify(nextRest) !== JSON.stringify(rest)) bridge.logger.warn('config reloaded: only `auth` applies at once; restart for the other changes');
        bridge.logger.info(result, 'config reloaded (SIGHUP)');
      },
      (err: unknown) => bridge.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'config reload refused: the running config stays'),
    );
  };
  process.on('SIGHUP', reload);
  return () => process.off('SIGHUP', reload);
}

/** Resolves when SIGINT/SIGTERM arrives, after closing `target`. */
function closeOnSignal(target: { close(): Promise<void> }): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.stderr.write(`\ncallbridge: ${signal}, shutting down\n`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const force = (why: string) => {
        process.stderr.write(`callbridge: ${why}; exiting now\n`);
        process.exit(EXIT_FAILURE);
      };
      process.once('SIGINT', () => force('second signal'));
      process.once('SIGTERM', () => force('second signal'));
      const timer = setTimeout(() => force(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS / 1000} s`), SHUTDOWN_TIMEOUT_MS);
      timer.unref();
      void target.close().finally(() => {
        clearTimeout(timer);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function run(command: CliCommand): Promise<number> {
  switch (command.name) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return EXIT_OK;
    case 'check': {
      const config = await loadConfig(command.config as string);
      return (await checkSources(config, (line) => process.stdout.write(`${line}\n`))) ? EXIT_OK : EXIT_FAILURE;
    }
    case 'start': {
      const config = await loadConfig(command.config as string);
      const bridge: Bridge = await startBridge(config, { logger: createLogger(), defaultMetrics: true, staticDir: WALLBOARD_DIR });
      const stopReloads = reloadOnHangup(bridge, command.config as string);
      await closeOnSignal(bridge);
      stopReloads();
      return EXIT_OK;
    }
    case 'demo': {
      const demo = await startDemo({
        port: command.port,
        host: command.host,
        token: command.token,
        defaultMetrics: true,
        staticDir: WALLBOARD_DIR,
      });
      process.stdout.write(demo.banner);
      await closeOnSignal(demo);
      return EXIT_OK;
    }
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCli(argv, process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`callbridge: ${err.message}\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  try {
    return await run(command);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`callbridge: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      process.stderr.write(`callbridge: the port is already in use (${(err as Error).message}); pick another with --port\n`);
      return EXIT_FAILURE;
    }
    process.stderr.write(`callbridge: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT_FAILURE;
  }
}
