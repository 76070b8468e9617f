/**
 * What the Asterisk Queue application does for the simulator: holds callers, picks the agent to
 * ring, and keeps the per-queue and per-agent figures `info=queue` / `info=agents` report.
 */
import type { ChannelTable } from './channels.js';
import type { Directory } from './directory.js';
import type { ChannelRecord, ExtensionRecord, QueueRecord } from './model-types.js';

const MS_PER_SEC = 1000;
/** Asterisk `Queue()` options MiRTA's dialplan would pass: transfers allowed, 300 s timeout. */
const QUEUE_APP_OPTIONS = 'tT,,,300';

export class QueueDesk {
  readonly #dir: Directory;
  readonly #channels: ChannelTable;
  readonly #clock: () => number;

  constructor(dir: Directory, channels: ChannelTable, clock: () => number) {
    this.#dir = dir;
    this.#channels = channels;
    this.#clock = clock;
  }

  /** The Queue application answers the caller and plays music while agents ring. */
  enqueue(caller: ChannelRecord, queue: QueueRecord): void {
    const now = this.#clock();
    caller.state = 'Up';
    caller.answeredAt ??= now;
    caller.application = 'Queue';
    caller.applicationData = `${queue.id}-${queue.tenant},${QUEUE_APP_OPTIONS}`;
    caller.waitingQueue = queue.id;
    queue.waiting.push({ channel: caller.name, since: now });
    queue.stats.received += 1;
  }

  /** Takes a leg out of whatever queue it waits in. */
  leave(leg: ChannelRecord): void {
    for (const queue of this.#dir.queues.values()) {
      const index = queue.waiting.findIndex((w) => w.channel === leg.name);
      if (index >= 0) queue.waiting.splice(index, 1);
    }
    leg.waitingQueue = null;
  }

  /** An agent answered `caller`: it leaves the queue, the figures move. */
  answered(caller: ChannelRecord, agentLeg: ChannelRecord): void {
    const queue = this.#dir.queue(caller.tenant, caller.waitingQueue ?? '');
    if (!queue) return;
    const now = this.#clock();
    const since = queue.waiting.find((w) => w.channel === caller.name)?.since ?? now;
    const waitedSec = Math.round((now - since) / MS_PER_SEC);
    this.leave(caller);
    queue.stats.answered += 1;
    queue.stats.holdTimeSec += waitedSec;
    queue.stats.maxHoldSec = Math.max(queue.stats.maxHoldSec, waitedSec);
    const agent = queue.agents.find((a) => a.agent === agentLeg.peer);
    if (agent) {
      agent.callsTaken += 1;
      agent.lastCallAt = now;
    }
  }

  /**
   * Rings a free agent for every queued caller nobody rings yet.
   * @param ring creates the agent's ringing leg for the caller.
   */
  dispatch(ring: (caller: ChannelRecord, agent: ExtensionRecord) => void): void {
    for (const queue of this.#dir.queues.values()) {
      for (const waiter of queue.waiting) {
        const caller = this.#channels.get(waiter.channel);
        if (!caller || this.#channels.dialedBy(caller.name).length > 0) continue;
        const agent = this.#freeAgent(queue);
        if (!agent) break;
        ring(caller, agent);
      }
    }
  }

  /** Not paused, reachable, on no call; the one whose last call is oldest ("leastrecent"). */
  #freeAgent(queue: QueueRecord): ExtensionRecord | undefined {
    const free = queue.agents
      .filter((a) => !a.paused && this.#channels.ofPeer(a.agent).length === 0)
      .map((a) => ({ a, ext: this.#dir.extensions.get(a.agent) }))
      .filter(({ ext }) => ext !== undefined && this.#dir.isReachable(ext))
      .sort((x, y) => (x.a.lastCallAt ?? 0) - (y.a.lastCallAt ?? 0));
    return free[0]?.ext;
  }
}
