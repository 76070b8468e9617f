/** The simulated XiVO's data: a CEL table generated per call, and config lists. */
export type CelRowOut = Record<string, string>;

export interface XivoModelOptions {
  /** Clock for `eventtime` (ms). */
  clock?: () => number;
}

export interface SimCall {
  linkedid: string;
  aLeg: string;
  bLeg: string;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `YYYY-MM-DD HH:MM:SS.ffffff` (UTC), as XiVO's CEL table prints it. */
export function celTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}${pad(Math.floor(Math.random() * 1000), 3)}`;
}

/** A call still in progress, as the CEL table so far describes it. */
export interface LiveCall extends SimCall {
  readonly answered: boolean;
}

interface LegInfo {
  uniqueid: string;
  channame: string;
  cidNum: string;
  cidName: string;
  exten: string;
}

interface CallInfo {
  a: LegInfo;
  b: LegInfo;
  answered: boolean;
  ended: boolean;
}

export class XivoModel {
  readonly #rows: CelRowOut[] = [];
  readonly #calls = new Map<string, CallInfo>();
  readonly #clock: () => number;
  #nextId = 1;
  #seq = 0;
  queues: Record<string, unknown>[] = [
    { id: '1', name: 'sales', displayname: 'Sales', number: '3000', context: 'default', category: 'queue', commented: false },
    { id: '2', name: 'support', displayname: 'Support', number: '3001', context: 'default', category: 'queue', commented: false },
  ];
  agents: Record<string, unknown>[] = [{ id: 1, firstname: 'Agent', lastname: '1', number: '*1', context: 'default', passwd: 'secret', language: '', commented: null }];
  users: Record<string, unknown>[] = [
    { id: '1', firstname: 'Alice', lastname: 'Martin', number: '1001', commented: '0' },
    { id: '2', firstname: 'Bob', lastname: 'Durand', number: '1002', commented: '0' },
  ];

  constructor(options: XivoModelOptions = {}) {
    this.#clock = options.clock ?? Date.now;
  }

  /** Rows with `id > after`, ascending, at most `limit`. */
  celAfter(after: number, limit: number): CelRowOut[] {
    const out: CelRowOut[] = [];
    for (const row of this.#rows) {
      if (Number(row.id) <= after) continue;
      out.push(row);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Calls started and not hung up yet, oldest first. */
  liveCalls(): LiveCall[] {
    return [...this.#calls.entries()].map(([linkedid, call]) => ({ linkedid, aLeg: call.a.uniqueid, bLeg: call.b.uniqueid, answered: call.answered }));
  }

  get celCount(): number {
    return this.#rows.length;
  }

  get lastCelId(): number {
    return this.#nextId - 1;
  }

  /** A caller dials a number: CHAN_START and APP_START (Dial) on A, CHAN_START on B. */
  startCall(spec: { from: string; to: string; fromName?: string }): SimCall {
    const base = Math.floor(this.#clock() / 1000);
    const a: LegInfo = { uniqueid: `${base}.${this.#seq++}`, channame: `SIP/${spec.from}-${this.#hex()}`, cidNum: spec.from, cidName: spec.fromName ?? `User ${spec.from}`, exten: spec.to };
    const b: LegInfo = { uniqueid: `${base}.${this.#seq++}`, channame: `SIP/${spec.to}-${this.#hex()}`, cidNum: spec.to, cidName: '', exten: 's' };
    const call: CallInfo = { a, b, answered: false, ended: false };
    this.#calls.set(a.uniqueid, call);
    this.#emit('CHAN_START', a, a.uniqueid);
    this.#emit('APP_START', a, a.uniqueid, { appname: 'Dial', appdata: `SIP/${spec.to},30` });
    this.#emit('CHAN_START', b, a.uniqueid);
    return { linkedid: a.uniqueid, aLeg: a.uniqueid, bLeg: b.uniqueid };
  }

  /** The callee picks up: ANSWER on both legs, then both enter the bridge. */
  answer(linkedid: string): void {
    const call = this.#call(linkedid);
    if (call.answered || call.ended) return;
    call.answered = true;
    this.#emit('ANSWER', call.b, linkedid);
    this.#emit('ANSWER', call.a, linkedid);
    this.#emit('BRIDGE_ENTER', call.a, linkedid);
    this.#emit('BRIDGE_ENTER', call.b, linkedid);
  }

  /** Either side hangs up: bridge exits, HANGUP/CHAN_END per leg, then LINKEDID_END. */
  hangup(linkedid: string): void {
    const call = this.#call(linkedid);
    if (call.ended) return;
    call.ended = true;
    if (call.answered) {
      this.#emit('BRIDGE_EXIT', call.b, linkedid);
      this.#emit('BRIDGE_EXIT', call.a, linkedid);
    }
    this.#emit('HANGUP', call.b, linkedid);
    this.#emit('CHAN_END', call.b, linkedid);
    this.#emit('APP_END', call.a, linkedid, { appname: 'Dial' });
    this.#emit('HANGUP', call.a, linkedid);
    this.#emit('CHAN_END', call.a, linkedid);
    this.#emit('LINKEDID_END', call.a, linkedid);
    this.#calls.delete(linkedid);
  }

  /** `count` complete answered calls (for paging tests). Returns their linkedids. */
  completedCalls(count: number, from = '1001', to = '1002'): string[] {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const call = this.startCall({ from, to });
      this.answer(call.linkedid);
      this.hangup(call.linkedid);
      ids.push(call.linkedid);
    }
    return ids;
  }

  #call(linkedid: string): CallInfo {
    const call = this.#calls.get(linkedid);
    if (!call) throw new Error(`no call ${linkedid}`);
    return call;
  }

  #hex(): string {
    return (this.#seq * 2654435761 % 0xffffffff).toString(16).padStart(8, '0').slice(-8);
  }

  #emit(eventtype: string, leg: LegInfo, linkedid: string, extra: { appname?: string; appdata?: string } = {}): void {
    this.#rows.push({
      id: String(this.#nextId++),
      eventtype,
      eventtime: celTime(this.#clock()),
      userdeftype: '',
      cid_name: leg.cidName,
      cid_num: leg.cidNum,
      cid_ani: leg.cidNum,
      cid_rdnis: '',
      cid_dnid: leg.exten === 's' ? '' : leg.exten,
      exten: leg.exten,
      context: 'default',
      channame: leg.channame,
      appname: extra.appname ?? '',
      appdata: extra.appdata ?? '',
      amaflags: '3',
      accountcode: '',
      peeraccount: '',
      uniqueid: leg.uniqueid,
      linkedid,
      userfield: '',
      peer: '',
    });
  }
}
