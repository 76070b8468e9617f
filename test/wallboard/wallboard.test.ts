/**
 * The wallboard against the demo (MiRTA and Kazoo simulators, no scenario: the tests drive
 * them), in Debian's Chromium: what it shows, its controls going through the bridge, source
 * health, and resuming after a network drop. Screenshots land in test-artifacts/wallboard/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../src/demo/demo.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { captureLogger } from '../support/log-capture.js';
import { waitFor } from '../support/wait-for.js';
import { VIEWPORTS, WALLBOARD_DIR, diagnostics, openWallboard, screenshot, waitForLive } from './harness.js';

const TOKEN = 'wallboard-demo-token-0123456789';
const browserReady = chromiumAvailable('wallboard');

/** Starts an inbound call from an outside number to `to`, answered. */
function inboundCall(demo: Demo, to: string, from: string, callerName: string): { aLeg: string; bLeg: string } {
  const { model } = demo.simulators.mirta;
  const call = model.startCall({ tenant: 'DEMO', from, to, inbound: true, callerName });
  if (call.bLeg === null) throw new Error(`nothing rang ${to}`);
  model.answerCall(call.bLeg);
  return { aLeg: call.aLeg, bLeg: call.bLeg };
}

const cell = (page: Page, ext: string, state?: string) => page.waitForSelector(`[data-ext="${ext}"]${state ? `[data-state="${state}"]` : ''}`);
const callRow = (page: Page, text: string) => page.locator('[data-call]', { hasText: text });

describe.skipIf(!browserReady)('wallboard', () => {
  let demo: Demo;
  let proxy: TcpProxy;
  let browser: Browser;
  let marie: { aLeg: string; bLeg: string };
  let kazooCall: string;

  beforeAll(async () => {
    demo = await startDemo({ port: 0, host: '127.0.0.1', token: TOKEN, scenario: false, logger: captureLogger('warn').logger, staticDir: WALLBOARD_DIR });
    await waitFor(() => demo.bridge.sources.list().every((s) => s.status === 'up'), { timeout: 10_000 });
    await waitFor(async () => (await demo.bridge.bus.entities('demo', 'extensions')).size > 0 && (await demo.bridge.bus.entities('demo', 'agents')).size > 0, {
      timeout: 10_000,
      message: 'the first polls did not land',
    });
    // The page reaches the bridge through a TCP proxy, so a test can cut its connection.
    proxy = await startTcpProxy(demo.bridge.port);
    browser = await launchChromium();
    marie = inboundCall(demo, '101', '+33612345678', 'Marie Dupont');
    const { kazoo } = demo.simulators;
    kazooCall = kazoo.model.startCall({ from: kazoo.deviceIds[0] ?? '', to: '33170200258' }).a.uuid;
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await demo?.close();
  });

  it('shows extensions with registration, calls of both PBXs, queues and agents, live; the token leaves the address bar', async () => {
    const { page, errors } = await openWallboard(browser, proxy.url, TOKEN);
    expect(page.url()).not.toContain('token=');
    expect(page.url()).toContain('tenant=demo');

    await cell(page, '113');
    // MiRTA's 14 and PBXware's 3 (530-532), which arrive with its first poll.
    await expect.poll(() => page.locator('[data-ext]').count(), { timeout: 15_000 }).toBe(17);
    // 108 is unregistered: its lamp may say idle, the cell may not.
    expect(await page.getAttribute('[data-ext="108"]', 'data-state')).toBe('offline');
    expect(await page.textContent('[data-ext="108"] .cell-state')).toBe('Offline');
    expect(await page.getAttribute('[data-ext="108"] .reg', 'data-reg')).toBe('unregistered');
    // Flow lamps are not phones.
    expect(await page.locator('[data-ext^="FL"]').count()).toBe(0);
    expect(await page.locator('[data-flow]').count()).toBe(3);

    await page.waitForSelector('[data-ext="101"][data-state="inuse"] .party:has-text("Marie Dupont")');
    await callRow(page, 'Marie Dupont').waitFor();
    await page.locator('[data-call] .src', { hasText: 'kazoo-demo' }).waitFor();
    expect(await callRow(page, 'Marie Dupont').locator('.call-state').textContent()).toBe('Talking');

    await page.waitForSelector('[data-agent="282/107-DEMO"][data-status="paused"]');
    expect(await page.textContent('[data-agent="282/107-DEMO"] .agent-more')).toContain('Lunch');
    expect(await page.locator('[data-agent]').count()).toBe(12);
    expect(await page.textContent('[data-queue="281"] .queue-name')).toBe('Sales');
    // MiRTA, Kazoo, WebAppel (the website callbacks) and PBXware (extensions, call records).
    await expect.poll(() => page.locator('#sources .chip[data-status="up"]').count(), { timeout: 10_000 }).toBe(4);

    // Live, no reload: a new internal call rings 103, and 106's phone drops off the network.
    const { model } = demo.simulators.mirta;
    const ringing = model.startCall({ tenant: 'DEMO', from: '102', to: '103' });
    model.setPeerStatus('106-DEMO', 'unreachable');
    await cell(page, '103', 'ringing');
    await callRow(page, 'Bruno Keller').waitFor();
    await page.waitForSelector('[data-ext="106"][data-state="offline"] .cell-state:text-is("Unreachable")');
    await waitForLive(page);
    await screenshot(page, 'wall-1080p');
    await page.setViewportSize(VIEWPORTS.laptop);
    await screenshot(page, 'laptop-1366');
    await page.setViewportSize({ width: 820, height: 1180 });
    await screenshot(page, 'tablet-portrait');
    expect(errors).toEqual([]);
    await page.context().close();
    model.hangupChannel(ringing.aLeg);
    model.setPeerStatus('106-DEMO', 'registered');
  });

  it('clicking pause on an agent pauses it through the bridge, with the reason, and resume undoes it', async () => {
    const { page, errors } = await openWallboard(browser, proxy.url, TOKEN);
    const row = '[data-agent="281/102-DEMO"]';
    await page.click(`${row} button[data-action="pause"]`);
    await page.waitForSelector('#action-dialog[open]');
    await screenshot(page, 'pause-dialog');
    await page.click('#action-dialog button[data-action="reason"]:has-text("Break")');

    await page.waitForSelector(`${row}[data-status="paused"]`);
    expect(await page.textContent(`${row} .agent-more`)).toMatch(/^Break · since /);
    const agent = demo.simulators.mirta.model.queue('DEMO', '281')?.agents.find((a) => a.agent === '102-DEMO');
    expect(agent).toMatchObject({ paused: true, pauseReason: 'Break' });
    await page.waitForSelector('.activity-item[data-state="done"]:has-text("Pause Bruno Keller (Break)")');
    await screenshot(page, 'agent-paused');

    await page.click(`${row} button[data-action="unpause"]`);
    await page.waitForSelector(`${row}[data-status="available"]`);
    expect(agent?.paused).toBe(false);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a hang-up removes the call (MiRTA and Kazoo), and a refused one says why in words', async () => {
    const { page, errors } = await openWallboard(browser, proxy.url, TOKEN);
    const { mirta } = demo.simulators;
    const row = callRow(page, 'Marie Dupont');
    await row.waitFor();

    // The PBX answers HTTP 500 once: the bridge cannot know whether it hung up.
    mirta.faults.arm({ kind: 'http500', reqtype: 'HANGUP' });
    await row.locator('button[data-action="hangup"]').click();
    const failed = page.locator('.activity-item[data-state="failed"]', { hasText: 'Hang up the call with Marie Dupont' });
    await failed.waitFor();
    expect(await failed.locator('.activity-step').textContent()).toMatch(/may or may not have been done/);
    await screenshot(page, 'command-error');

    await row.locator('button[data-action="hangup"]:not([disabled])').click();
    await row.waitFor({ state: 'detached' });
    expect(mirta.model.channel(marie.aLeg)).toBeUndefined();
    await cell(page, '101', 'idle');

    const kazooRow = page.locator('[data-call]', { has: page.locator('.src', { hasText: 'kazoo-demo' }) });
    await kazooRow.locator('button[data-action="hangup"]').click();
    await kazooRow.waitFor({ state: 'detached' });
    expect(demo.simulators.kazoo.model.legsOf(demo.simulators.kazoo.accountId).some((leg) => leg.uuid === kazooCall)).toBe(false);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('dials from an extension, and transfers a call dragged onto another extension', async () => {
    const { page, errors } = await openWallboard(browser, proxy.url, TOKEN);
    await page.click('[data-ext="100"]');
    await page.fill('#action-dialog input[name="to"]', '0170200258');
    await screenshot(page, 'dial-dialog');
    await page.click('#action-dialog button[data-action="dial"]');
    await page.waitForSelector('.activity-item[data-state="done"]:has-text("Call 01 70 20 02 58 from 100")');
    await callRow(page, '01 70 20 02 58').waitFor();

    const caller = inboundCall(demo, '104', '+33698765432', 'Paul Girard');
    const row = callRow(page, 'Paul Girard');
    await row.waitFor();
    await row.dragTo(page.locator('[data-ext="105"]'));
    await page.waitForSelector('.activity-item[data-state="done"]:has-text("Transfer Paul Girard to 105")');
    // The caller is now with 105 (the simulated phone answers at once); 104 is free again.
    await page.waitForSelector('[data-ext="105"][data-state="inuse"] .party:has-text("Paul Girard")');
    await cell(page, '104', 'idle');
    expect(demo.simulators.mirta.model.channel(caller.bLeg)).toBeUndefined();
    await screenshot(page, 'after-transfer');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('marks data stale while its source is degraded, and says so', async () => {
    const { page, errors } = await openWallboard(browser, proxy.url, TOKEN);
    const { mirta } = demo.simulators;
    mirta.faults.arm({ kind: 'http500', reqtype: 'CHANNELS', times: Infinity });
    try {
      await page.waitForSelector('#sources .chip[data-source="mirta-demo"][data-status="degraded"]');
      await page.waitForSelector('[data-ext="100"].stale .stale-tag:not([hidden])');
      expect(await page.textContent('#banner')).toContain('mirta-demo is degraded');
      // Kazoo's data is current: not marked.
      expect(await page.locator('[data-call].stale .src', { hasText: 'kazoo-demo' }).count()).toBe(0);
      await waitForLive(page);
      await screenshot(page, 'source-degraded');
    } finally {
      mirta.faults.clear();
    }
    await page.waitForSelector('#sources .chip[data-source="mirta-demo"][data-status="up"]');
    await page.waitForSelector('[data-ext="100"]:not(.stale)');
    expect(await page.isHidden('#banner')).toBe(true);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('after a network drop it resumes with since: what happened meanwhile shows, no gap, no duplicate', async () => {
    const { page, errors } = await openWallboard(browser, proxy.url, TOKEN);
    const { model } = demo.simulators.mirta;
    const ending = inboundCall(demo, '111', '+33655443322', 'Omar Haddad');
    const ended = callRow(page, 'Omar Haddad');
    await ended.waitFor();
    const before = await diagnostics(page);
    const callsBefore = await page.locator('[data-call]').count();

    proxy.block();
    await page.waitForSelector('#connection[data-state="reconnecting"]');
    // Meanwhile on the PBX: a call, a pause, a phone that drops off, a call that ends.
    const meanwhile = inboundCall(demo, '109', '+33611223344', 'Nina Rossi');
    model.setAgentPaused({ tenant: 'DEMO', agent: '103', queue: '281', paused: true, reason: 'Meeting' });
    model.setPeerStatus('110-DEMO', 'unregistered');
    model.hangupChannel(ending.aLeg);
    const seen = async () => {
      const agents = await demo.bridge.bus.entities('demo', 'agents');
      const peers = await demo.bridge.bus.entities('demo', 'peers');
      const channels = await demo.bridge.bus.entities('demo', 'channels');
      return (
        agents.get('281/103-DEMO')?.paused === true &&
        peers.get('110-DEMO')?.status === 'unregistered' &&
        channels.has(meanwhile.bLeg) &&
        !channels.has(ending.aLeg)
      );
    };
    await waitFor(seen, { timeout: 10_000, message: 'the bridge did not see the changes' });
    expect(await page.isVisible('#banner')).toBe(true);
    await screenshot(page, 'offline');

    proxy.unblock();
    await waitForLive(page, 15_000);
    await page.waitForSelector('[data-agent="281/103-DEMO"][data-status="paused"]');
    expect(await page.textContent('[data-agent="281/103-DEMO"] .agent-more')).toMatch(/^Meeting · since /);
    await cell(page, '110', 'offline');
    await page.waitForSelector('[data-ext="109"][data-state="inuse"] .party:has-text("Nina Rossi")');
    await ended.waitFor({ state: 'detached' });

    // Resumed from its cursor (replay), not a fresh snapshot, and caught up to the bridge.
    const after = await diagnostics(page);
    expect(after.counters).toMatchObject({ snapshots: before.counters.snapshots, resyncs: 0, reconnections: 1 });
    expect(after.cursor).toBe(await demo.bridge.bus.cursor('demo'));
    // No duplicate: one row per call (Nina's arrived, Omar's left) and one per agent.
    expect(await callRow(page, 'Nina Rossi').count()).toBe(1);
    expect(await page.locator('[data-call]').count()).toBe(callsBefore);
    expect(await page.locator('[data-agent="281/103-DEMO"]').count()).toBe(1);
    await expect.poll(() => page.locator('[data-ext]').count(), { timeout: 15_000 }).toBe(17);
    await screenshot(page, 'resumed');
    // Chromium logs the refused reconnection attempts; nothing else may go wrong.
    expect(errors.filter((e) => !/WebSocket connection to .* failed/.test(e))).toEqual([]);
    await page.context().close();
  });
});
