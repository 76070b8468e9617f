#!/usr/bin/env node
// The bin runs the TypeScript sources through tsx's loader, so the checkout works right after
// `npm ci` with no build step, and what runs is always what is in src/.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
