/**
 * `callbridge demo`: the bridge on its embedded default. Every vendor simulator runs in this
 * process on a loopback port, kept busy by its scenario driver, and the bridge polls them over
 * real HTTP exactly as it would poll a PBX.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { startBridge, type Bridge } from '../bridge.js';
import { parseConfig } from '../config/load.js';
import { startKazooSimulator, type KazooSimulator } from '../simulators/kazoo/index.js';
import { startMirtaSimulator, type MirtaSimulator } from '../simulators/mirta/index.js';
import { startPbxwareSimulator, type PbxwareSimulator } from '../simulators/pbxware/index.js';
import { startThreeCxSimulator, type ThreeCxSimulator } from '../simulators/threecx/index.js';
import { startXivoSimulator, type XivoSimulator } from '../simulators/xivo/index.js';
import { XivoScenario } from '../simulators/xivo/scenario.js';
import { startWebAppelSimulator, type WebAppelSimulator } from '../simulators/webappel/index.js';
import { createLogger } from '../util/logger.js';

export const DEMO_TENANTS = ['demo', 'globex'] as const;
/** The demo's click-to-call button (French numbers; try it at /widget/try?key=w_demo). */
export const DEMO_WIDGET_KEY = 'w_demo';

export interface DemoOptions {
  port?: number;
  host?: string;
  /** The demo token; random unless given. It holds every scope on the demo tenants. */
  token?: string;
  logger?: Logger;
  /** Run the scenario drivers (calls, pauses). Tests turn it off to drive the simulators themselves. */
  scenario?: boolean;
  defaultMetrics?: boolean;
  /** A folder served at `/` (the wallboard, `src/wallboard`). */
  staticDir?: string;
  /** How fast website callbacks progress (tests speed them up). */
  callbackTimings?: { callingAfterMs?: number; connectedAfterMs?: number; endedAfterMs?: number };
}

export interface Demo {
  readonly bridge: Bridge;
  readonly token: string;
  readonly wallboardUrl: string;
  readonly banner: string;
  /** The embedded simulators, so tests can drive them (with `scenario: false`). */
  readonly simulators: { readonly mirta: MirtaSimulator; readonly kazoo: KazooSimulator; readonly webappel: WebAppelSimulator; readonly pbxware: PbxwareSimulator; readonly threecx: ThreeCxSimulator; readonly xivo: XivoSimulator };
  close(): Promise<void>;
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const token = options.token ?? randomBytes(16).toString('hex');
  const logger = options.logger ?? createLogger();
  const mirta = await startMirtaSimulator();
  const kazoo = await startKazooSimulator();
  // Callbacks progress at a watchable pace: ringing after 2 s, talking after 6 s, over after 20 s.
  const webappel = await startWebAppelSimulator({ timings: { callingAfterMs: 2_000, connectedAfterMs: 6_000, endedAfterMs: 20_000, ...options.callbackTimings } });
  const pbxware = await startPbxwareSimulator();
  const threecx = await startThreeCxSimulator();
  const xivo = await startXivoSimulator();
  const scenarios =
    options.scenario === false
      ? []
      : [mirta.scenario({}), kazoo.scenario({}), pbxware.scenario({ servers: ['2', '3'] }), threecx.scenario({}), new XivoScenario(xivo.model)];
  for (const scenario of scenarios) scenario.start();
  const stopSimulators = async () => {
    for (const scenario of scenarios) scenario.stop();
    await Promise.all([mirta.close(), kazoo.close(), webappel.close(), pbxware.close(), threecx.close(), xivo.close()]);
  };

  const config = parseConfig({
    listen: { host: options.host ?? '0.0.0.0', port: options.port ?? 8080 },
    auth: { tokens: [{ token, name: 'demo', tenants: [...DEMO_TENANTS], scopes: ['*'] }] },
    sources: [
      {
        id: 'mirta-demo',
        vendor: 'mirta',
        url: mirta.url,
        key: mirta.keys.admin,
        admin: true,
        tenants: { demo: 'DEMO', globex: 'GLOBEX' },
        poll: { peers: '2s', channels: '500ms', blfs: '500ms', flows: '2s', agents: '1s', queues: '2s', extensions: '30s' },
        limits: { concurrency: 4, perSecond: 40, queue: 100, timeout: '5s' },
      },
      {
        id: 'kazoo-demo',
        vendor: 'kazoo',
        rest: kazoo.restUrl,
        websocket: kazoo.websocketUrl,
        accountId: kazoo.accountId,
        apiKey: kazoo.apiKey,
        tenant: 'demo',
        poll: { agents: '1s' },
      },
      {
        id: 'webappel-demo',
        vendor: 'webappel',
        url: webappel.url,
        email: webappel.email,
        pass: webappel.pass,
        tenant: 'demo',
        popups: [77],
        poll: '1s',
      },
      {
        // Extensions and call records (PBXware has no live call state or call control).
        id: 'pbxware-demo',
        vendor: 'pbxware',
        url: pbxware.url,
        apiKey: pbxware.apiKey,
        tenants: { demo: '2', globex: '3' },
        cdr: { startAt: 'lookback' },
        poll: { extensions: '30s', cdr: '5s', packages: '1m' },
      },
      {
        // 3CX's Call Control API: its own phones and calls on the globex tenant.
        id: '3cx-demo',
        vendor: '3cx',
        url: threecx.url,
        clientId: threecx.clientId,
        clientSecret: threecx.clientSecret,
        tenant: 'globex',
        poll: { snapshot: '30s' },
      },
      {
        // XiVO's web services: calls from its CEL (no call control), users and queues.
        id: 'xivo-demo',
        vendor: 'xivo',
        url: xivo.url,
        username: xivo.username,
        password: xivo.password,
        tenant: 'globex',
        poll: { cel: '1s', queues: '30s', extensions: '30s' },
      },
    ],
    widgets: [
      {
        key: DEMO_WIDGET_KEY,
        tenant: 'demo',
        source: 'webappel-demo',
        popup: 77,
        country: 'FR',
        numbers: ['^33[1-7][0-9]{8}$'],
        origins: ['self'],
        limits: { perIp: '30/10m', perNumber: '5/1h' },
      },
    ],
  });

  let bridge: Bridge;
  try {
    bridge = await startBridge(config, { logger, defaultMetrics: options.defaultMetrics ?? false, staticDir: options.staticDir, ephemeral: true });
  } catch (err) {
    await stopSimulators();
    throw err;
  }
  const shownHost = config.listen.host === '0.0.0.0' || config.listen.host === '::' ? 'localhost' : config.listen.host;
  const base = `http://${shownHost}:${bridge.port}`;
  const wallboardUrl = `${base}/?token=${token}`;
  const banner = [
    '',
    'callbridge demo is running (simulated PBXs, in-memory bus)',
    `  wallboard   ${wallboardUrl}`,
    `  socket.io   ${base}/v1   with auth: { token }`,
    `  token       ${token}   (every scope on tenants ${DEMO_TENANTS.join(', ')})`,
    `  try         curl -H "Authorization: Bearer ${token}" ${base}/v1/tenants/demo/state`,
    `  callback    ${base}/widget/try?key=${DEMO_WIDGET_KEY}   (the website button; e.g. 01 70 20 02 58)`,
    '  stop        Ctrl+C',
    '',
    '',
  ].join('\n');

  return {
    bridge,
    token,
    wallboardUrl,
    banner,
    simulators: { mirta, kazoo, webappel, pbxware, threecx, xivo },
    async close() {
      await bridge.close();
      await stopSimulators();
    },
  };
}
