/** Which source carries a command out (protocol §4: `source` may be left out). */
import { InvalidArgumentError, NotFoundError, UnsupportedError } from '../errors.js';
import type { ValidatedCommand } from '../protocol/commands.js';
import type { Source } from '../sources/source.js';
import type { SourceDirectory } from '../sources/source-directory.js';

/**
 * Picks the command's source. Call after `authorize`: the tenant is held by the caller.
 *
 * - `source` named: it must serve the tenant (a source of another tenant is reported exactly
 *   like an unknown one, so source ids cannot be probed across tenants) and support the type.
 * - `source` left out: the one source of the tenant that supports the type; several is
 *   ambiguous (`invalid_argument` asking for `source`), none is `unsupported`.
 *
 * @example
 * const source = resolveSource(directory, command); // Source, or throws a BridgeError
 */
export function resolveSource(directory: SourceDirectory, command: ValidatedCommand): Source {
  if (command.source !== undefined) {
    const source = directory.get(command.source);
    if (!source || !source.tenants.includes(command.tenant)) {
      throw new NotFoundError(`source: no source "${command.source}" for tenant "${command.tenant}"`);
    }
    if (!source.commands.includes(command.type)) {
      throw new UnsupportedError(`source "${source.id}" (${source.vendor}) cannot do "${command.type}"`);
    }
    return source;
  }
  const capable = directory.forTenant(command.tenant).filter((source) => source.commands.includes(command.type));
  const [only, second] = capable;
  if (only === undefined) {
    throw new UnsupportedError(`no source of tenant "${command.tenant}" can do "${command.type}"`);
  }
  if (second !== undefined) {
    const ids = capable.map((source) => source.id).sort();
    throw new InvalidArgumentError(
      `source: required, several sources of tenant "${command.tenant}" can do "${command.type}" (${ids.join(', ')})`,
    );
  }
  return only;
}
