/**
 * The public click-to-call feature as one unit: built from the config's `widgets`, registered
 * on the server, closed with it.
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { CommandService } from '../commands/command-service.js';
import { AbuseLimits } from './abuse-limits.js';
import { registerPublicCallbackRoutes } from './routes.js';
import { StatusStreams } from './status-streams.js';
import { StatusTokens, deriveStatusKey } from './status-token.js';
import type { WidgetConfig } from './widget-config.js';
import { WidgetRegistry } from './widget-registry.js';

/** How long a visitor's status link works: a WebAppel callback ends well within it. */
export const STATUS_TOKEN_TTL_MS = 6 * 60 * 60 * 1000;

export interface PublicCallbackOptions {
  widgets: readonly WidgetConfig[];
  /** Secrets of the config (tokens, jwtSecret) the status-token key is derived from. */
  secrets: readonly string[];
  bus: Bus;
  commands?: CommandService | undefined;
  logger: Logger;
  /** Cluster mode: the per-IP and per-number counters live in Redis, shared by every node. */
  redis?: Redis | undefined;
  /** Key prefix of those counters (the cluster's prefix; default `cb`). */
  limitsPrefix?: string | undefined;
}

export interface PublicCallback {
  readonly streams: StatusStreams;
  close(): void;
}

/**
 * Registers `POST /v1/public/callback`, its status routes and `/widget.js`.
 *
 * @example
 * const publicCallback = installPublicCallback(fastify, { widgets: config.widgets, secrets, bus, commands, logger });
 * // ... on shutdown
 * publicCallback.close();
 */
export function installPublicCallback(fastify: FastifyInstance, options: PublicCallbackOptions): PublicCallback {
  const streams = new StatusStreams({ bus: options.bus, logger: options.logger });
  registerPublicCallbackRoutes(fastify, {
    widgets: new WidgetRegistry(options.widgets),
    limits: new AbuseLimits(options.widgets, { redis: options.redis, keyPrefix: options.limitsPrefix }),
    tokens: new StatusTokens(deriveStatusKey(options.secrets), STATUS_TOKEN_TTL_MS),
    streams,
    bus: options.bus,
    commands: options.commands,
    logger: options.logger,
  });
  return { streams, close: () => streams.close() };
}

export { WidgetConfigSchema, type WidgetConfig } from './widget-config.js';
