/**
 * What this token may do on this tenant, from `hello` alone: the token's scopes (protocol §1)
 * and what each source's vendor supports. Controls the page cannot use are not drawn at all.
 */

/** Protocol §1: the scope each command needs (`*` grants all; anything unlisted is admin). */
const SCOPE_OF = {
  dial: 'commands:call',
  hangup: 'commands:call',
  transfer: 'commands:call',
  attended_transfer: 'commands:call',
  'agent.pause': 'commands:agent',
  'agent.unpause': 'commands:agent',
  'callback.request': 'commands:callback',
  'callback.cancel': 'commands:callback',
};

export class Permissions {
  /** @type {Set<string>} */
  #scopes;
  /** @type {Map<string, Set<string>>} source id -> commands it can do on this tenant */
  #sources = new Map();

  /**
   * @param {{ scopes: string[], sources: { id: string, tenant: string, commands: string[] }[] } | undefined} hello
   * @param {string} tenant
   */
  constructor(hello, tenant) {
    this.#scopes = new Set(hello?.scopes ?? []);
    for (const source of hello?.sources ?? []) {
      if (source.tenant === tenant) this.#sources.set(source.id, new Set(source.commands));
    }
  }

  /** The token holds the scope `type` needs. */
  #scoped(type) {
    return this.#scopes.has('*') || this.#scopes.has(SCOPE_OF[type] ?? 'commands:admin');
  }

  /**
   * Whether `source` can do `type` for this token.
   * @example perms.can('hangup', channel.source)
   */
  can(type, source) {
    return this.#scoped(type) && (this.#sources.get(source)?.has(type) ?? false);
  }

  /** Whether any source of the tenant can do `type` for this token. */
  any(type) {
    if (!this.#scoped(type)) return false;
    for (const commands of this.#sources.values()) if (commands.has(type)) return true;
    return false;
  }

  /** The token may send no command at all: a read-only wallboard. */
  get readOnly() {
    return !Object.keys(SCOPE_OF).some((type) => this.any(type));
  }
}
