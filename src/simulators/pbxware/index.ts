/**
 * A local Bicom PBXware API simulator on loopback: `?apikey=…&action=pbxware.<object>.<method>`
 * for tenants, extensions, DIDs, CDRs (with their `Mon-DD-YYYY` dates and paging), packages and
 * the licence; HTTP 200 `{"error": …}` refusals; no call control, as on the real API.
 */
import type { AddressInfo } from 'node:net';
import type { ActionOptions } from './actions.js';
import { PbxwareFaults } from './faults.js';
import { PbxwareModel } from './model.js';
import { PbxwareRequestLog } from './request-log.js';
import { PbxwareScenario, type PbxwareScenarioOptions } from './scenario.js';
import { listen, type SimApiKey } from './server.js';

export { PbxwareModel, packageSettings, type SimTenant, type SimPackage, type SimExtension, type SimDid, type SimCdr, type CdrSpec, type CdrStatus } from './model.js';
export { PbxwareFaults, PBXWARE_FAULT_KINDS, type PbxwareFaultKind, type PbxwareFaultSpec } from './faults.js';
export { PbxwareRequestLog, type PbxwareLoggedRequest } from './request-log.js';
export { PbxwareScenario, type PbxwareScenarioOptions } from './scenario.js';
export { CDR_HEADERS, ERROR_TEXTS, CDR_MAX_LIMIT, CDR_DEFAULT_LIMIT, type CdrHeaderLayout } from './actions.js';
export { formatPbxDate, parsePbxDateTime } from './dates.js';
export { phpSerialize } from './php-serialize.js';
export type { SimApiKey } from './server.js';

export const DEFAULT_SIM_API_KEY = 'pbxware-sim-master-key-0123456789';

export interface PbxwareSimulatorOptions extends Partial<ActionOptions> {
  host?: string;
  port?: number;
  /** The master key (all actions, all tenants). */
  apiKey?: string;
  /** More keys, e.g. one scoped to a tenant. */
  extraKeys?: readonly SimApiKey[];
  model?: PbxwareModel;
}

export interface PbxwareSimulator {
  readonly url: string;
  readonly apiKey: string;
  readonly model: PbxwareModel;
  readonly requests: PbxwareRequestLog;
  readonly faults: PbxwareFaults;
  /** A demo scenario on this simulator's model (not started). */
  scenario(options?: PbxwareScenarioOptions): PbxwareScenario;
  close(): Promise<void>;
}

/**
 * Starts the simulator on a free port (by default).
 *
 * @example
 * const sim = await startPbxwareSimulator();
 * sim.model.addCdr({ server: '2', from: 'User 530 (530)', to: '33170200258', durationSec: 42 });
 * const body = await (await fetch(`${sim.url}/?apikey=${sim.apiKey}&action=pbxware.tenant.list`)).json();
 */
export async function startPbxwareSimulator(options: PbxwareSimulatorOptions = {}): Promise<PbxwareSimulator> {
  const apiKey = options.apiKey ?? DEFAULT_SIM_API_KEY;
  const model = options.model ?? new PbxwareModel();
  const requests = new PbxwareRequestLog();
  const faults = new PbxwareFaults();
  const actionOptions: ActionOptions = {
    cdrHeader: options.cdrHeader ?? 'current',
    cdrOrder: options.cdrOrder ?? 'asc',
    cdrEmpty: options.cdrEmpty ?? 'list',
    packageConfiguration: options.packageConfiguration ?? 'settings',
    utcOffsetMinutes: options.utcOffsetMinutes ?? 0,
  };
  const scenarios: PbxwareScenario[] = [];
  const { server, close } = await listen(
    { model, keys: [{ key: apiKey }, ...(options.extraKeys ?? [])], faults, requests, options: actionOptions },
    options.host ?? '127.0.0.1',
    options.port ?? 0,
  );
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}/`,
    apiKey,
    model,
    requests,
    faults,
    scenario(scenarioOptions) {
      const scenario = new PbxwareScenario(model, scenarioOptions);
      scenarios.push(scenario);
      return scenario;
    },
    async close() {
      for (const scenario of scenarios) scenario.stop();
      await close();
    },
  };
}
