/** What a request handler gets: the parsed request, its tenant scope and the simulator's parts. */
import type { ApiResult, OutputFormat } from './formats.js';
import type { MirtaModel } from './model.js';
import type { TenantRecord } from './model-types.js';
import type { ChannelKeyCase, CommandTimings, ReplyTexts } from './options.js';
import type { Scheduler } from '../scheduler.js';

export interface HandlerContext {
  /** Query string merged over the POST form; names are case-sensitive, as in PHP. */
  readonly params: Readonly<Record<string, string>>;
  readonly model: MirtaModel;
  /** The tenant the request is about; undefined for an admin key asking about every tenant. */
  readonly tenant: TenantRecord | undefined;
  readonly format: OutputFormat;
  readonly timings: CommandTimings;
  readonly replies: ReplyTexts;
  readonly channelKeyCase: ChannelKeyCase;
  readonly scheduler: Scheduler;
}

export type Handler = (ctx: HandlerContext) => ApiResult;

/** The first non-empty value among parameter aliases (`source` / `exten`, `dest` / `phone`). */
export function param(ctx: HandlerContext, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = ctx.params[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** The tenants a request covers: its own, or all of them for an admin key without `tenant`. */
export function tenantsInScope(ctx: HandlerContext): readonly TenantRecord[] {
  return ctx.tenant ? [ctx.tenant] : ctx.model.tenants();
}
