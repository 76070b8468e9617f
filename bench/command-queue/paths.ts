/**
 * The ways one `flow.set` reaches the MiRTA simulator, from the barest to the whole bridge, plus
 * two with no vendor at all that isolate the command layer's own cost. Each `call` resolves
 * when the answer is back and throws on anything but success (a throttled or failed command
 * would make the timing meaningless).
 */
import { io, type Socket } from 'socket.io-client';
import { Pool } from 'undici';
import type { Logger } from 'pino';
import type { Principal } from '../../src/auth/principal.js';
import type { Bridge } from '../../src/bridge.js';
import { CommandDispatcher, type CommandLimits } from '../../src/commands/command-dispatcher.js';
import type { CommandAck } from '../../src/commands/command-service.js';
import { validateCommand } from '../../src/commands/command-validator.js';
import { MemoryIdempotencyStore } from '../../src/commands/memory-idempotency-store.js';
import { SourceDirectory } from '../../src/sources/source-directory.js';
import type { Source } from '../../src/sources/source.js';
import { VendorBudget, type VendorBudgetOptions } from '../../src/sources/vendor-budget.js';
import { stubSource } from './stub-source.js';

export interface CommandPath {
  readonly name: string;
  readonly adds: string;
  call(index: number): Promise<void>;
}

export interface PathContext {
  readonly bridge: Bridge;
  readonly source: Source;
  readonly simUrl: string;
  readonly simKey: string;
  readonly tenant: string;
  readonly tenantCode: string;
  readonly flow: string;
  readonly token: string;
  readonly principal: Principal;
  readonly budget: VendorBudgetOptions;
  readonly limits: CommandLimits;
  readonly logger: Logger;
}

const STATES = ['INUSE', 'NOT_INUSE'] as const;
const stateOf = (index: number) => STATES[index % 2] ?? 'INUSE';

function commandBody(ctx: PathContext, prefix: string, index: number) {
  return { id: `${prefix}-${index}`, tenant: ctx.tenant, type: 'flow.set', args: { number: ctx.flow, state: stateOf(index) } };
}

function expectOk(ack: CommandAck, path: string): void {
  if (!ack.ok) throw new Error(`${path}: command failed with ${ack.error.code}: ${ack.error.message}`);
}

/** The same GET the MiRTA client sends, with nothing around it. */
export function bareUndici(ctx: PathContext, pool: Pool): CommandPath {
  const url = new URL(ctx.simUrl);
  return {
    name: 'undici GET -> simulator',
    adds: 'the floor: loopback HTTP + the simulator',
    async call(index) {
      const query = new URLSearchParams({ reqtype: 'SETFLOW', tenant: ctx.tenantCode, number: ctx.flow, state: stateOf(index), format: 'json', key: ctx.simKey });
      const response = await pool.request({ path: `${url.pathname}?${query.toString()}`, method: 'GET' });
      const text = await response.body.text();
      if (response.statusCode !== 200 || !text.includes('Success')) throw new Error(`undici: unexpected answer ${response.statusCode}`);
    },
  };
}

/** The bridge's own MiRTA source, called directly: what a command costs without the command layer. */
export function sourceExecute(ctx: PathContext): CommandPath {
  return {
    name: 'source.execute -> simulator',
    adds: '+ planCommand, MirtaClient (URL, signals), reply parsing',
    async call(index) {
      const { command } = validateCommand(commandBody(ctx, 'direct', index));
      await ctx.source.execute(command, { signal: AbortSignal.timeout(ctx.limits.timeout) });
    },
  };
}

function dispatcherOver(ctx: PathContext, source: Source): CommandDispatcher {
  const sources = new SourceDirectory();
  sources.add(source);
  const budgets = new Map([[source.id, new VendorBudget(ctx.budget)]]);
  // Built exactly as startBridge builds its own (which it does not expose).
  return new CommandDispatcher({
    sources,
    budgets,
    limits: new Map([[source.id, ctx.limits]]),
    store: new MemoryIdempotencyStore(),
    bus: ctx.bridge.bus,
    logger: ctx.logger,
    metrics: ctx.bridge.metrics,
  });
}

export function dispatcherToSimulator(ctx: PathContext): { path: CommandPath; dispatcher: CommandDispatcher } {
  const dispatcher = dispatcherOver(ctx, ctx.source);
  return {
    dispatcher,
    path: {
      name: 'CommandDispatcher -> simulator',
      adds: '+ validate, authorize, idempotency, breaker, VendorBudget, deadline, audit, metrics',
      async call(index) {
        expectOk(await dispatcher.execute(ctx.principal, commandBody(ctx, 'dispatch', index)), 'dispatcher');
      },
    },
  };
}

export function dispatcherToStub(ctx: PathContext): { path: CommandPath; dispatcher: CommandDispatcher } {
  const dispatcher = dispatcherOver(ctx, stubSource('stub-source', [ctx.tenant], ['flow.set']));
  return {
    dispatcher,
    path: {
      name: 'CommandDispatcher -> stub (no I/O)',
      adds: 'the command layer alone',
      async call(index) {
        expectOk(await dispatcher.execute(ctx.principal, commandBody(ctx, 'stub', index)), 'dispatcher (stub)');
      },
    },
  };
}

export function budgetOnly(ctx: PathContext): CommandPath {
  const budget = new VendorBudget(ctx.budget);
  return {
    name: 'VendorBudget.run(no-op)',
    adds: 'the budget alone',
    async call() {
      await budget.run('command', async () => undefined);
    },
  };
}

export async function socketCommand(ctx: PathContext): Promise<{ path: CommandPath; socket: Socket }> {
  const socket = io(`${ctx.bridge.url}/v1`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: ctx.token } });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect_error', reject);
    socket.once('hello', () => resolve());
  });
  return {
    socket,
    path: {
      name: 'socket.io command -> bridge',
      adds: '+ socket.io both ways (client in this process)',
      async call(index) {
        const ack = (await socket.timeout(ctx.limits.timeout).emitWithAck('command', commandBody(ctx, 'socket', index))) as CommandAck;
        expectOk(ack, 'socket.io');
      },
    },
  };
}

export function restCommand(ctx: PathContext, pool: Pool): CommandPath {
  const path = `/v1/tenants/${ctx.tenant}/commands`;
  const headers = { authorization: `Bearer ${ctx.token}`, 'content-type': 'application/json' };
  return {
    name: 'REST POST -> bridge',
    adds: '+ fastify routing, auth, JSON body (keep-alive client)',
    async call(index) {
      const { id, type, args } = commandBody(ctx, 'rest', index);
      const response = await pool.request({ path, method: 'POST', headers, body: JSON.stringify({ id, type, args }) });
      const ack = (await response.body.json()) as CommandAck;
      expectOk(ack, 'REST');
    },
  };
}
