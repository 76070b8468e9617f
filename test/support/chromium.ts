/**
 * Debian's Chromium for browser tests, through playwright-core (which never downloads a
 * browser). Without `/usr/bin/chromium` a suite is skipped with a loud warning — unless
 * `CI=true`, where a missing browser must fail the run instead of silently testing nothing.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * The flags shared/stack.md prescribes. Without the networking ones Chromium floods a closed
 * network with update, sync and QUIC probes. playwright's `launch()` adds a fresh temporary
 * `--user-data-dir` of its own to every launch (and deletes it on close).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether a browser suite should run. Call it once per file, at collection time, and pass the
 * result to `describe.skipIf(!...)`.
 *
 * @example
 * const browserReady = chromiumAvailable('wallboard');
 * describe.skipIf(!browserReady)('wallboard', () => { ... });
 */
export function chromiumAvailable(suite: string): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true') return true; // run, and let launchChromium() fail loudly
  const line = '!'.repeat(78);
  console.warn(
    `\n${line}\n!!! SKIPPING the ${suite} browser tests: ${CHROMIUM_PATH} is missing.\n` +
      `!!! Install Debian's chromium (apt-get install chromium), or run .ci/run. Under CI=true this fails.\n${line}\n`,
  );
  return false;
}

/**
 * Launches headless Chromium with the project's flags.
 *
 * @example
 * const browser = await launchChromium();
 * try { const page = await browser.newPage(); ... } finally { await browser.close(); }
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium is required here (CI=true) but ${CHROMIUM_PATH} is missing`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true });
}
