/**
 * The wallboard: a live view of one tenant through the client SDK the bridge serves at
 * `client.js` (public protocol only), and the controls the token's scopes allow.
 *
 * Data flow: the SDK keeps the mirror (`cb.state`) right across reconnections (it resumes with
 * `since`: no gap, no duplicate); each `change` only marks keys dirty in the views; the render
 * queue patches the DOM once per animation frame.
 */
import { connect } from './client.js';
import { Activity } from './activity.js';
import { AgentsView } from './agents.js';
import { askForToken, forgetToken, savedToken, takeTokenFromUrl } from './auth.js';
import { BlfGrid } from './blf-grid.js';
import { CallsView } from './calls.js';
import { CommandsUi } from './commands-ui.js';
import { byId, el, setHidden, setText } from './dom.js';
import { FlowsView } from './flows.js';
import { CallbacksView } from './callbacks.js';
import { clock } from './format.js';
import { Health } from './health.js';
import { Permissions } from './permissions.js';
import { RenderQueue } from './render-queue.js';
import { Ticker } from './ticker.js';

/**
 * What every view reads.
 * @typedef {object} ViewContext
 * @property {import('../client/types.ts').CallbridgeClient} client
 * @property {import('../client/types.ts').TenantState} state
 * @property {string} tenant
 * @property {Permissions} perms
 * @property {Health} health
 * @property {Ticker} ticker
 * @property {RenderQueue} queue
 * @property {BlfGrid} grid
 * @property {CallsView} calls
 * @property {AgentsView} agents
 */

const TENANT_KEY = 'callbridge.wallboard.tenant';
/** Stands for "no tenant chosen yet": `hello` then says which tenants the token holds. */
const ANY_TENANT = '_';
/** Topics in the order the SDK applies a snapshot, for seeding views from the mirror. */
const SEED_ORDER = ['extensions', 'blfs', 'peers', 'channels', 'flows', 'callbacks', 'queues', 'agents', 'sources'];
/** The bridge's base URL: the folder this page is served from (a reverse proxy's prefix is kept). */
const BRIDGE_URL = new URL('.', location.href).href;

const activity = new Activity(byId('activity'));
/** @type {{ close(): void } | undefined} */
let session;

/** localStorage, or nothing when the browser refuses it (privacy settings). */
function local() {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

function chosenTenant() {
  const fromUrl = new URL(location.href).searchParams.get('tenant');
  return fromUrl || local()?.getItem(TENANT_KEY) || ANY_TENANT;
}

function rememberTenant(tenant) {
  local()?.setItem(TENANT_KEY, tenant);
  const url = new URL(location.href);
  url.searchParams.set('tenant', tenant);
  history.replaceState(history.state, '', url);
}

/**
 * One connection to one tenant, with its views. A tenant switch or a sign-out ends it.
 * @param {string} token
 * @param {string} tenant
 */
function startSession(token, tenant) {
  const client = connect(BRIDGE_URL, { token, tenants: [tenant] });
  const queue = new RenderQueue();
  const ticker = new Ticker();
  /** @type {ViewContext | undefined} */
  let ctx;
  /** @type {{ onChange(change: unknown): void, keys(): Iterable<string> }[]} */
  let views = [];
  /** @type {CommandsUi | undefined} */
  let ui;
  let permsKey = '';
  const counters = { snapshots: 0, resyncs: 0, reconnections: 0 };
  let wasLive = false;
  let everLive = false;

  const health = new Health(() => {
    for (const view of views) queue.markAll(view);
  });
  health.setTenant(tenant);
  setText(byId('tenant-name'), tenant === ANY_TENANT ? '' : tenant);

  const footer = footerUpdater(() => {
    const cursor = client.tenant(tenant).cursor;
    const parts = [cursor === undefined ? 'waiting for the first snapshot' : `seq ${cursor}`];
    if (counters.reconnections > 0) parts.push(`${counters.reconnections} reconnection${counters.reconnections > 1 ? 's' : ''}`);
    if (counters.resyncs > 0) parts.push(`${counters.resyncs} full resync${counters.resyncs > 1 ? 's' : ''}`);
    return parts.join(' · ');
  });

  /** (Re)builds the views for what this token may do, seeded from the mirror as it is. */
  const build = (hello) => {
    ui?.detach();
    for (const id of ['extensions', 'calls', 'queues', 'flows', 'callbacks']) byId(id).replaceChildren();
    const perms = new Permissions(hello, tenant);
    ctx = /** @type {ViewContext} */ ({ client, state: client.state, tenant, perms, health, ticker, queue });
    ctx.grid = new BlfGrid(byId('extensions'), ctx);
    ctx.calls = new CallsView(byId('calls'), ctx);
    ctx.agents = new AgentsView(byId('queues'), ctx);
    views = [ctx.grid, ctx.calls, ctx.agents, new FlowsView(byId('flows'), ctx), new CallbacksView(byId('callbacks'), ctx)];
    document.body.classList.toggle('read-only', perms.readOnly);
    document.body.classList.toggle('can-call', perms.any('dial') || perms.any('transfer'));
    ui = perms.readOnly ? undefined : new CommandsUi(ctx, activity);
    for (const topic of SEED_ORDER) {
      for (const [key, entity] of client.state[topic]) {
        const change = { tenant, topic, key, entity, previous: undefined, removed: false, origin: 'snapshot' };
        for (const view of views) view.onChange(change);
      }
    }
  };

  client.on('hello', (hello) => {
    if (!hello.tenants.includes(tenant)) {
      // A stale choice (or none yet): take the token's first tenant.
      const next = hello.tenants[0];
      if (next === undefined) showFatal('This token holds no tenant on this bridge.');
      else switchTenant(token, next);
      return;
    }
    rememberTenant(tenant);
    renderTenantPicker(hello.tenants, tenant, token);
    // Scopes and sources only change with a new token or a reconfigured bridge.
    const key = JSON.stringify([hello.scopes, hello.sources.filter((s) => s.tenant === tenant)]);
    if (key !== permsKey) {
      permsKey = key;
      build(hello);
    }
  });

  client.on('change', (change) => {
    if (!ctx) return;
    for (const view of views) view.onChange(change);
    footer.schedule();
  });

  client.on('snapshot', (info) => {
    counters.snapshots += 1;
    if (info.resync) counters.resyncs += 1;
    footer.schedule();
  });

  client.on('status', (status) => {
    health.update(status);
    // Every return to `live` after the first is a reconnection the SDK caught up.
    if (status.state === 'live' && !wasLive && everLive) counters.reconnections += 1;
    if (status.state === 'live') everLive = true;
    wasLive = status.state === 'live';
    footer.schedule();
    if (status.state === 'offline' && status.reason === 'unauthorized') {
      end();
      forgetToken();
      void askForToken('The bridge refused this token.').then((fresh) => (session = startSession(fresh, tenant)));
    }
  });

  client.on('error', (error) => showFatal(`The bridge refused the subscription (${error.code}): ${error.message}`));

  // Diagnostics for tests and curious operators; read-only, nothing secret.
  window.callbridgeWallboard = {
    get status() {
      return client.status;
    },
    get cursor() {
      return client.tenant(tenant).cursor;
    },
    get busy() {
      return queue.busy;
    },
    render: queue.stats,
    get timers() {
      return ticker.counts;
    },
    counters,
  };

  const end = () => {
    client.close();
    ticker.stop();
    ui?.detach();
    views = [];
    ctx = undefined;
  };
  return { close: end };
}

function switchTenant(token, tenant) {
  session?.close();
  session = startSession(token, tenant);
}

function renderTenantPicker(tenants, current, token) {
  const label = document.querySelector('.tenant-picker');
  const select = /** @type {HTMLSelectElement} */ (byId('tenant'));
  setHidden(label, tenants.length < 2);
  setHidden(byId('tenant-name'), tenants.length >= 2);
  setText(byId('tenant-name'), current);
  select.replaceChildren(...tenants.map((t) => el('option', { value: t, selected: t === current }, t)));
  select.onchange = () => switchTenant(token, select.value);
}

/** The footer line, recomputed at most once per frame. */
function footerUpdater(text) {
  const node = byId('cursor');
  let scheduled = false;
  return {
    schedule() {
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        setText(node, text());
      });
    },
  };
}

function showFatal(message) {
  const banner = byId('banner');
  banner.hidden = false;
  banner.dataset.level = 'error';
  banner.textContent = message;
}

function startClock() {
  const node = byId('clock');
  const tick = () => setText(node, clock(Date.now()));
  tick();
  setInterval(tick, 1000);
}

async function main() {
  takeTokenFromUrl();
  startClock();
  byId('sign-out').addEventListener('click', () => {
    session?.close();
    session = undefined;
    forgetToken();
    void askForToken().then((token) => (session = startSession(token, chosenTenant())));
  });
  const token = savedToken() ?? (await askForToken());
  document.body.classList.remove('signed-out');
  session = startSession(token, chosenTenant());
}

void main();
