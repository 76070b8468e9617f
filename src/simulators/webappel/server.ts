/**
 * The HTTP side of the WebAppel simulator: `GET /get/webappel/api.php?methode=…&email=…&pass=…`.
 * Each request is logged, may be hit by an armed fault, passes the login check and is answered
 * in plain text: `OK`, a tracking id, `;` rows without a header, or a `KO: …` error text.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebAppelFaults } from './faults.js';
import type { SimCallback, WebAppelModel } from './model.js';

export { FAULT_KINDS, WebAppelFaults, type ArmedFault, type FaultKind, type FaultOptions } from './faults.js';

export const API_PATH = '/get/webappel/api.php';

/** Error texts (the real ones are unknown: vendors README §5.1b). */
export interface WebAppelReplies {
  badLogin: string;
  unknownPopup: string;
  missing: (name: string) => string;
  badNumber: string;
  unknownMethod: string;
  unknownContact: string;
  alreadyStarted: string;
}

export const DEFAULT_REPLIES: WebAppelReplies = {
  badLogin: 'KO: identifiants incorrects',
  unknownPopup: 'KO: popup inconnue',
  missing: (name) => `KO: parametre manquant ${name}`,
  badNumber: 'KO: e164 invalide',
  unknownMethod: 'KO: methode inconnue',
  unknownContact: 'KO: contact inconnu',
  alreadyStarted: 'KO: appel deja initie',
};

export interface LoggedRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  /** Query parameters (a repeated name keeps its last value, as PHP's `$_GET`). */
  readonly query: Readonly<Record<string, string>>;
  /** `methode`, '' when absent. */
  readonly methode: string;
}

/** Every request received, for tests to assert what the bridge sent. */
export class RequestLog {
  readonly #entries: LoggedRequest[] = [];
  record(entry: LoggedRequest): void {
    this.#entries.push(Object.freeze({ ...entry, query: Object.freeze({ ...entry.query }) }));
    if (this.#entries.length > 10_000) this.#entries.shift();
  }
  get entries(): readonly LoggedRequest[] {
    return [...this.#entries];
  }
  filter(methode?: string): LoggedRequest[] {
    return this.#entries.filter((e) => methode === undefined || e.methode === methode);
  }
  count(methode?: string): number {
    return this.filter(methode).length;
  }
  last(methode?: string): LoggedRequest | undefined {
    return this.filter(methode).at(-1);
  }
  clear(): void {
    this.#entries.length = 0;
  }
}

export interface ServerDeps {
  model: WebAppelModel;
  email: string;
  pass: string;
  requests: RequestLog;
  faults: WebAppelFaults;
  replies: WebAppelReplies;
  trackingFormat: 'bare' | 'ok-prefixed';
  latencyMs: () => number;
  clock: () => number;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** `YYYY-MM-DD HH:ii:ss` (UTC). */
export function vendorDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
const cell = (text: string) => text.replace(/[;\r\n]/g, ',');

export class WebAppelServer {
  readonly #deps: ServerDeps;
  readonly #server: Server;
  readonly #hung = new Set<ServerResponse>();

  constructor(deps: ServerDeps) {
    this.#deps = deps;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.#server.address() as AddressInfo;
  }

  /** Stops listening and drops every connection, hanging requests included. */
  async close(): Promise<void> {
    for (const res of this.#hung) res.destroy();
    this.#hung.clear();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = value;
    const methode = query.methode ?? '';
    this.#deps.requests.record({ at: this.#deps.clock(), method: req.method ?? 'GET', path: url.pathname, query, methode });
    req.resume();
    if (url.pathname !== API_PATH) return this.#send(res, 404, 'Not Found');
    const fault = this.#deps.faults.take(methode);
    if (fault?.kind === 'hang') {
      this.#hung.add(res);
      res.once('close', () => this.#hung.delete(res));
      return;
    }
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    const latency = this.#deps.latencyMs();
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const retryAfter = { 'retry-after': String(fault?.retryAfterSec ?? 1) };
    switch (fault?.kind) {
      case 'http500':
        return this.#send(res, 500, '<h1>Internal Server Error</h1>');
      case 'http503':
        return this.#send(res, 503, 'Service Unavailable', retryAfter);
      case 'http429':
        return this.#send(res, 429, 'Too Many Requests', retryAfter);
      case 'garbage':
        return this.#send(res, 200, '<html><body>Maintenance</body></html>');
      case 'authError':
        return this.#send(res, 200, this.#deps.replies.badLogin);
      case 'truncated': {
        const body = this.answer(methode, query);
        return this.#send(res, 200, body.slice(0, Math.floor(body.length / 2)));
      }
      default:
        return this.#send(res, 200, this.answer(methode, query));
    }
  }

  #send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'text/plain; charset=UTF-8', 'content-length': Buffer.byteLength(body), server: 'Apache', ...headers });
    res.end(body);
  }

  /** The text answer of one call (exported for unit tests through the simulator). */
  answer(methode: string, q: Readonly<Record<string, string>>): string {
    const { model, replies } = this.#deps;
    if (q.email !== this.#deps.email || q.pass !== this.#deps.pass) return replies.badLogin;
    const popupParam = (): string | undefined => {
      const popup = q.id_popup;
      if (popup === undefined || popup === '') return undefined;
      return popup;
    };
    switch (methode) {
      case 'appel': {
        for (const name of ['id_popup', 'e164', 'nbressais', 'rec', 'dureemaxi']) if ((q[name] ?? '') === '') return replies.missing(name);
        const popup = popupParam() ?? '';
        if (!model.popups.has(popup)) return replies.unknownPopup;
        if (!/^[0-9]{4,20}$/.test(q.e164 ?? '')) return replies.badNumber;
        const delais = Number(q.delais ?? '0');
        const cb = model.add({
          popup,
          e164: q.e164 ?? '',
          nom: q.nom ?? '',
          usr: [q.usr1 ?? '', q.usr2 ?? '', q.usr3 ?? ''],
          delais: Number.isFinite(delais) && delais > 0 ? delais : 0,
          nbressais: q.nbressais ?? '',
          rec: q.rec ?? '',
          dureemaxi: q.dureemaxi ?? '',
          ip: q.client_ip ?? '',
        });
        return this.#deps.trackingFormat === 'ok-prefixed' ? `OK;${cb.id}` : cb.id;
      }
      case 'appel_annuler': {
        const popup = popupParam();
        if (popup === undefined) return replies.missing('id_popup');
        if ((q.id_contact ?? '') === '') return replies.missing('id_contact');
        if (!model.popups.has(popup)) return replies.unknownPopup;
        const cb = model.callbacks.get(q.id_contact ?? '');
        if (!cb || cb.popup !== popup) return replies.unknownContact;
        const result = model.cancel(cb.id);
        return result === 'ok' ? 'OK' : result === 'started' ? replies.alreadyStarted : replies.unknownContact;
      }
      case 'appel_listing':
      case 'appels_resume': {
        const popup = popupParam();
        if (popup === undefined) return replies.missing('id_popup');
        if (!model.popups.has(popup)) return replies.unknownPopup;
        const rows = this.#ended(popup, q).map((cb) => (methode === 'appel_listing' ? this.#listingRow(cb) : this.#resumeRow(cb)));
        return rows.map((row) => `${row}\n`).join('');
      }
      case 'popups_listing':
        return [...model.popups].map((id) => `${id};Popup${id}\n`).join('');
      default:
        if (/^(operateurs?_|planning_|popup_|blacklistage_|fichier_)/.test(methode)) return 'OK';
        return replies.unknownMethod;
    }
  }

  #ended(popup: string, q: Readonly<Record<string, string>>): SimCallback[] {
    const { model } = this.#deps;
    const now = this.#deps.clock();
    return [...model.callbacks.values()].filter((cb) => {
      if (cb.popup !== popup || model.etat(cb, now) === undefined) return false;
      if (q.id_tracking !== undefined && q.id_tracking !== '' && q.id_tracking !== cb.id) return false;
      const day = vendorDateTime(cb.requestedAt).slice(0, 10);
      if (q.date_debut && day < q.date_debut) return false;
      if (q.date_fin && day > q.date_fin) return false;
      return true;
    });
  }

  /** id_tracking;date_time;delais;dt;ip;duree_sonnerie;duree_appel;type_dest;prix;nom;usr1;usr2;usr3;provenance;etat */
  #listingRow(cb: SimCallback): string {
    const { model } = this.#deps;
    const cancelled = cb.cancelledAt !== undefined;
    const talk = cancelled ? 0 : model.talkSec(cb);
    return [
      cb.id,
      vendorDateTime(cb.requestedAt),
      String(cb.delais),
      cancelled ? '' : vendorDateTime(model.startsAt(cb)),
      cb.ip,
      String(cancelled ? 0 : model.ringSec(cb)),
      String(talk),
      /^33[67]/.test(cb.e164) ? 'FR_Mobile' : 'FR_Fixe',
      (talk * 0.002).toFixed(3),
      cell(cb.nom),
      cell(cb.usr[0]),
      cell(cb.usr[1]),
      cell(cb.usr[2]),
      'api',
      model.etat(cb) ?? '',
    ].join(';');
  }

  /** id_tracking;id_popup;date_time;delais;ip;duree_appel;nom;usr1;usr2;usr3;etat */
  #resumeRow(cb: SimCallback): string {
    const { model } = this.#deps;
    const talk = cb.cancelledAt !== undefined ? 0 : model.talkSec(cb);
    return [
      cb.id,
      cb.popup,
      vendorDateTime(cb.requestedAt),
      String(cb.delais),
      cb.ip,
      String(talk),
      cell(cb.nom),
      cell(cb.usr[0]),
      cell(cb.usr[1]),
      cell(cb.usr[2]),
      model.etat(cb) ?? '',
    ].join(';');
  }
}
