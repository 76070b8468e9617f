/**
 * One command through its source's budget to the vendor, under one deadline.
 *
 * The deadline (`limits.timeout`) runs from acceptance, so the ack always comes within the
 * command's timeout (protocol §4) whether the time went on waiting for a slot or on the vendor.
 * Where it fires decides the answer: still waiting -> not sent, `rate_limited`; handed to the
 * vendor -> `timeout`, outcome unknown, and never retried here.
 */
import { RateLimitedError, TimeoutError, UnavailableError } from '../errors.js';
import type { ValidatedCommand } from '../protocol/commands.js';
import type { CommandOutcome, Source } from '../sources/source.js';
import type { VendorBudget } from '../sources/vendor-budget.js';
import { raceAbort } from '../util/race-abort.js';

export interface VendorCallOptions {
  source: Source;
  budget: VendorBudget;
  command: ValidatedCommand;
  timeoutMs: number;
  /** Aborts everything under way (the bridge shuts down). */
  shutdown: AbortSignal;
  /** Called once, the moment the command is handed to the source. */
  onSent: () => void;
}

class DeadlineReached extends Error {}
class ShuttingDown extends Error {}

/** Seconds a caller refused for a full budget should wait before retrying. */
const BUDGET_RETRY_AFTER_SEC = 1;

/**
 * Resolves with the source's outcome or rejects with a BridgeError (or, for a bug in a source,
 * whatever it threw). `onSent` tells the caller whether the vendor may have seen it.
 *
 * @example
 * const outcome = await callVendor({ source, budget, command, timeoutMs: 10_000, shutdown, onSent });
 */
export async function callVendor(options: VendorCallOptions): Promise<CommandOutcome> {
  const { source, budget, command, timeoutMs, shutdown } = options;
  let sent = false;
  // Two signals: the source gets `deadline`; the budget gets `waiting`, which only aborts while
  // the command still waits. p-queue races a running task against its signal and would free the
  // slot at the deadline while the vendor request may still be running; a source that ignores
  // its signal must keep counting against the vendor's concurrency until it really settles.
  const deadline = new AbortController();
  const waiting = new AbortController();
  deadline.signal.addEventListener('abort', () => {
    if (!sent) waiting.abort(deadline.signal.reason);
  });
  const timer = setTimeout(() => deadline.abort(new DeadlineReached()), timeoutMs);
  const onShutdown = () => deadline.abort(new ShuttingDown());
  if (shutdown.aborted) onShutdown();
  else shutdown.addEventListener('abort', onShutdown, { once: true });

  try {
    const task = budget.run(
      'command',
      () => {
        sent = true;
        options.onSent();
        return source.execute(command, { signal: deadline.signal });
      },
      waiting.signal,
    );
    return await raceAbort(task, deadline.signal);
  } catch (err) {
    const reason: unknown = deadline.signal.aborted ? deadline.signal.reason : undefined;
    if (reason instanceof ShuttingDown) {
      if (!sent) throw new UnavailableError('the bridge is shutting down; the command was not sent');
      throw new TimeoutError('the bridge shut down before the vendor answered; the command may or may not have been carried out');
    }
    if (reason instanceof DeadlineReached) {
      if (!sent) {
        throw new RateLimitedError(
          `no slot in source "${source.id}"'s budget within ${timeoutMs} ms; the command was not sent`,
          BUDGET_RETRY_AFTER_SEC,
        );
      }
      throw new TimeoutError(`no answer from the vendor within ${timeoutMs} ms; the command may or may not have been carried out`);
    }
    throw err;
  } finally {
    clearTimeout(timer);
    shutdown.removeEventListener('abort', onShutdown);
  }
}

