/**
 * One valid profile body per `_type` for tenant `acme`, pointing nowhere (port 9: discard), for
 * tests that never enable them; and the secret each one carries.
 */
import type { ProfileTypeName } from '../../../src/profiles/profile-types.js';

const NOWHERE = 'http://127.0.0.1:9';

export interface Sample {
  readonly body: Record<string, unknown>;
  /** The secret field and its value (long enough to show a 4-character tail). */
  readonly secret: { readonly field: string; readonly value: string };
}

export const SAMPLES: Readonly<Record<ProfileTypeName, Sample>> = {
  MirtaPbxConnectionProfile: {
    body: { url: `${NOWHERE}/pbx/proxyapi.php`, key: 'mirta-sample-key-7f3a9c21', tenants: { acme: 'ACME' } },
    secret: { field: 'key', value: 'mirta-sample-key-7f3a9c21' },
  },
  KazooPbxConnectionProfile: {
    body: {
      rest: NOWHERE,
      websocket: 'ws://127.0.0.1:9',
      accountId: '4b31dd1d32ce6d249897c06332375d65',
      apiKey: 'kazoo-sample-api-key-0be4d81e',
    },
    secret: { field: 'apiKey', value: 'kazoo-sample-api-key-0be4d81e' },
  },
  ThreeCxConnectionProfile: {
    body: { url: NOWHERE, clientId: 'callbridge', clientSecret: '3cx-sample-client-secret-5d2c' },
    secret: { field: 'clientSecret', value: '3cx-sample-client-secret-5d2c' },
  },
  XivoConnectionProfile: {
    body: { url: NOWHERE, username: 'callbridge', password: 'xivo-sample-password-91ab' },
    secret: { field: 'password', value: 'xivo-sample-password-91ab' },
  },
  PbxwareConnectionProfile: {
    body: { url: NOWHERE, apiKey: 'pbxware-sample-api-key-44e0', tenants: { acme: '1' } },
    secret: { field: 'apiKey', value: 'pbxware-sample-api-key-44e0' },
  },
  WebAppelConnectionProfile: {
    body: { url: `${NOWHERE}/get/webappel/api.php`, email: 'ops@acme.example', pass: 'webappel-sample-pass-c7d9', popups: [77] },
    secret: { field: 'pass', value: 'webappel-sample-pass-c7d9' },
  },
};
