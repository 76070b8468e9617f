/**
 * `POST /connect/token` (OAuth2 client credentials): `{access_token, token_type: "Bearer",
 * expires_in}`. Bad credentials answer 400 `invalid_client` as RFC 6749 §5.2 says [I: 3CX's
 * exact error body is not documented].
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseForm, sendJson } from './http-util.js';
import type { TokenStore } from './tokens.js';

export interface TokenRouteOptions {
  clientId: string;
  clientSecret: string;
  tokens: TokenStore;
  /** Set: the endpoint answers this status instead (a refused app, a PBX in trouble). */
  forcedStatus: () => number | undefined;
}

/** Handles the request; returns the form it parsed (for the request log). */
export function tokenRoute(options: TokenRouteOptions, req: IncomingMessage, res: ServerResponse, text: string): Record<string, string> | undefined {
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: 'invalid_request' });
    return undefined;
  }
  const form = parseForm(req.headers['content-type'], text);
  const forced = options.forcedStatus();
  if (forced !== undefined) {
    sendJson(res, forced, { error: forced >= 500 ? 'server_error' : 'invalid_client' });
  } else if (!form) {
    sendJson(res, 400, { error: 'invalid_request', error_description: 'form body expected' });
  } else if (form.grant_type !== 'client_credentials') {
    sendJson(res, 400, { error: 'unsupported_grant_type' });
  } else if (form.client_id !== options.clientId || form.client_secret !== options.clientSecret) {
    sendJson(res, 400, { error: 'invalid_client' });
  } else {
    const { token, expiresInSec } = options.tokens.issue();
    sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: expiresInSec });
  }
  return form;
}
