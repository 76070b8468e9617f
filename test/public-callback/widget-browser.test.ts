/**
 * The embeddable button in a real Chromium: on the demo's try page (same origin), and on a
 * customer's page served from another origin, where CORS decides what the page may do.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_WIDGET_KEY, startDemo, type Demo } from '../../src/demo/demo.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { captureLogger } from '../support/log-capture.js';
import { WALLBOARD_DIR, openWallboard } from '../wallboard/harness.js';
import { startPublicCallbackBridge, type PublicCallbackBridge } from './harness.js';

const browserReady = chromiumAvailable('click-to-call widget');

/** The state the widget last reported on its host element. */
const widgetState = (page: Page) => page.locator('[data-callbridge-callback]').first().getAttribute('data-state');

async function waitForState(page: Page, state: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction((wanted) => document.querySelector('[data-callbridge-callback]')?.getAttribute('data-state') === wanted, state, { timeout });
}

/** A customer's web page on its own origin, embedding the bridge's script once `bridgeUrl` is set. */
async function startHostPage(widgetKey: string): Promise<{ origin: string; server: Server; bridgeUrl: string }> {
  const page = { origin: '', server: undefined as unknown as Server, bridgeUrl: '' };
  page.server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>Acme</title></head><body><h1>Acme</h1>
<div id="cb" data-callbridge-callback></div>
<script src="${page.bridgeUrl}/widget.js" data-widget-key="${widgetKey}" defer></script></body></html>`);
  });
  await new Promise<void>((resolve) => page.server.listen(0, '127.0.0.1', resolve));
  // `localhost` is another origin than the bridge's `127.0.0.1`: the page is cross-origin.
  page.origin = `http://localhost:${(page.server.address() as AddressInfo).port}`;
  return page;
}

describe.skipIf(!browserReady)('the click-to-call button in Chromium', () => {
  let browser: Browser;
  let demo: Demo;

  beforeAll(async () => {
    browser = await launchChromium();
    demo = await startDemo({
      port: 0,
      host: '127.0.0.1',
      scenario: false,
      staticDir: WALLBOARD_DIR,
      logger: captureLogger('warn').logger,
      callbackTimings: { callingAfterMs: 100, connectedAfterMs: 300, endedAfterMs: 800 },
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('on the demo: fill the form, click, and watch the callback to its end, on the page and on the wallboard', async () => {
    const wallboard = await openWallboard(browser, demo.bridge.url, demo.token);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${demo.bridge.url}/widget/try?key=${DEMO_WIDGET_KEY}`);
    await page.locator('input[name=number]').fill('01 70 20 02 58');
    await page.locator('input[name=name]').fill('Ada');
    const before = demo.simulators.webappel.requests.count('appel');
    await page.locator('button[type=submit]').click();

    await waitForState(page, 'requested');
    await expect.poll(() => page.locator('.status').textContent()).toContain('we will call you shortly');
    await waitForState(page, 'completed');
    expect(await page.locator('.status').textContent()).toContain('Call completed');
    expect(await page.locator('button[type=submit]').textContent()).toBe('Request another call');

    expect(demo.simulators.webappel.requests.count('appel')).toBe(before + 1);
    expect(demo.simulators.webappel.requests.last('appel')?.query).toMatchObject({ e164: '33170200258', nom: 'Ada', id_popup: '77' });
    expect(errors).toEqual([]);

    // The operators' wallboard showed the same callback, with its number, to the same end.
    const chip = wallboard.page.locator('#callbacks .callback').first();
    await expect.poll(() => chip.getAttribute('data-state'), { timeout: 10_000 }).toBe('completed');
    expect(await chip.textContent()).toBe('Ada · +33170200258done');
    expect(wallboard.errors).toEqual([]);
    await wallboard.page.context().close();
    await page.close();
  });

  it('shows the reason when the route refuses a number', async () => {
    const page = await browser.newPage();
    await page.goto(`${demo.bridge.url}/widget/try?key=${DEMO_WIDGET_KEY}`);
    await page.locator('input[name=number]').fill('+1 415 555 0100');
    await page.locator('button[type=submit]').click();
    await waitForState(page, 'error');
    expect(await page.locator('.status').textContent()).toContain('Number: this number cannot be called back from this page');
    expect(await page.locator('button[type=submit]').isEnabled()).toBe(true);
    await page.close();
  });

  describe('on a customer page of another origin', () => {
    let ctx: PublicCallbackBridge;
    let allowed: Awaited<ReturnType<typeof startHostPage>>;
    let stranger: Awaited<ReturnType<typeof startHostPage>>;

    beforeAll(async () => {
      allowed = await startHostPage('w_acme_site');
      stranger = await startHostPage('w_acme_site');
      ctx = await startPublicCallbackBridge({ widget: { origins: [allowed.origin] } });
      allowed.bridgeUrl = ctx.url;
      stranger.bridgeUrl = ctx.url;
    }, 60_000);
    afterAll(async () => {
      allowed?.server.close();
      stranger?.server.close();
      await ctx?.close();
    });

    it('works where the widget admits the origin', async () => {
      const page = await browser.newPage();
      await page.goto(allowed.origin);
      await page.locator('input[name=number]').fill('06 12 34 56 78');
      await page.locator('button[type=submit]').click();
      await waitForState(page, 'completed');
      expect(ctx.sim.requests.last('appel')?.query.e164).toBe('33612345678');
      await page.close();
    });

    it('gets nothing through from an origin the widget does not list', async () => {
      const before = ctx.sim.requests.count('appel');
      const page = await browser.newPage();
      await page.goto(stranger.origin);
      await page.locator('input[name=number]').fill('06 12 34 56 79');
      await page.locator('button[type=submit]').click();
      // The preflight is refused, so the browser never sends the POST.
      await waitForState(page, 'error');
      expect(await widgetState(page)).toBe('error');
      expect(ctx.sim.requests.count('appel')).toBe(before);
      await page.close();
    });
  });
});
