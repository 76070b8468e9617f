/**
 * A Lua script run with EVALSHA, falling back to EVAL when Redis does not know it yet (first
 * use, or a restarted Redis that lost its script cache). One round trip in the usual case, and
 * no `defineCommand` magic methods that TypeScript cannot see.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type ScriptArg = string | number;

export class LuaScript {
  readonly name: string;
  readonly #source: string;
  readonly #sha: string;

  constructor(name: string, source: string) {
    this.name = name;
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * @example
   * const value = await RENEW.run(redis, [keys.lease('mirta-main')], [nodeId, 15_000]);
   */
  async run(client: Redis, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return client.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

/** A script reply that must be an integer (Lua numbers come back as integers). */
export function replyInteger(reply: unknown, script: string): number {
  if (typeof reply === 'number') return reply;
  throw new TypeError(`${script}: expected an integer reply, received ${typeof reply}`);
}
