/** Shared helpers for the MiRTA simulator tests: start one, and talk to it over real HTTP. */
import { request } from 'undici';
import { startMirtaSimulator } from '../../../src/simulators/mirta/index.js';
import type { MirtaSimulator, MirtaSimulatorOptions } from '../../../src/simulators/mirta/index.js';

/** Timings that keep a whole DIAL under ~150 ms so tests stay fast. */
export const FAST_TIMINGS = { originateMs: 20, sourceAnswerMs: 40, destAnswerMs: 40, commandMs: 5 } as const;

export interface ApiAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

export function startSim(options: MirtaSimulatorOptions = {}): Promise<MirtaSimulator> {
  return startMirtaSimulator({ timings: FAST_TIMINGS, ...options });
}

/** GETs the simulator's URL with `query`. */
export async function api(sim: MirtaSimulator, query: Record<string, string>, url = sim.url): Promise<ApiAnswer> {
  const res = await request(url, { query });
  const text = await res.body.text();
  return { status: res.statusCode, contentType: String(res.headers['content-type']), headers: res.headers, text };
}

/** GETs with the tenant's read/write key (or `role`) and `tenant=`. */
export function tenantApi(
  sim: MirtaSimulator,
  query: Record<string, string>,
  tenant = 'DEMO',
  role: 'rw' | 'ro' = 'rw',
): Promise<ApiAnswer> {
  const keys = sim.keys.tenants[tenant];
  if (!keys) throw new Error(`no keys for ${tenant}`);
  return api(sim, { key: keys[role], tenant, ...query });
}

/** GETs with the admin key. */
export function adminApi(sim: MirtaSimulator, query: Record<string, string>): Promise<ApiAnswer> {
  return api(sim, { key: sim.keys.admin, ...query });
}

export function json<T = unknown>(answer: ApiAnswer): T {
  return JSON.parse(answer.text) as T;
}
