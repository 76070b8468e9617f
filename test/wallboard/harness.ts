/**
 * Helpers for the wallboard's browser tests: where the page lives, opening it the way an
 * operator does (`/?token=`), waiting for a quiet page, and screenshots in test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';

export const WALLBOARD_DIR = fileURLToPath(new URL('../../src/wallboard/', import.meta.url));
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/wallboard/', import.meta.url));

export const VIEWPORTS = {
  /** A 1080p wall screen. */
  wall: { width: 1920, height: 1080 },
  laptop: { width: 1366, height: 768 },
} as const;

/** What the page exposes for diagnostics (`window.callbridgeWallboard`). */
interface WallboardDiagnostics {
  status: { state: string };
  cursor: number | undefined;
  busy: boolean;
  render: { frames: number; longestMs: number; updates: number };
  counters: { snapshots: number; resyncs: number; reconnections: number };
}

export interface OpenedPage {
  page: Page;
  /** Uncaught page errors and console errors: a finished page has none. */
  errors: string[];
}

/**
 * Opens the wallboard in a fresh context (own sessionStorage) at `viewport`, with the token in
 * the URL, and waits until it is live.
 */
export async function openWallboard(browser: Browser, baseUrl: string, token: string, viewport: { width: number; height: number } = VIEWPORTS.wall): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  await page.goto(`${baseUrl}/?token=${encodeURIComponent(token)}`);
  await waitForLive(page);
  return { page, errors };
}

/** Waits until the SDK is live and the render queue has drawn everything it was given. */
export async function waitForLive(page: Page, timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const wb = (window as unknown as { callbridgeWallboard?: WallboardDiagnostics }).callbridgeWallboard;
      return wb !== undefined && wb.status.state === 'live' && !wb.busy;
    },
    undefined,
    { timeout },
  );
}

export function diagnostics(page: Page): Promise<WallboardDiagnostics> {
  return page.evaluate(() => {
    const wb = (window as unknown as { callbridgeWallboard: WallboardDiagnostics }).callbridgeWallboard;
    return { status: wb.status, cursor: wb.cursor, busy: wb.busy, render: { ...wb.render }, counters: { ...wb.counters } };
  });
}

/** Saves `test-artifacts/wallboard/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
