/**
 * `GET /client.js`: the client SDK (`src/client/index.ts`) as one browser ESM module, so a page
 * can `import { connect } from "https://bridge.example/client.js"` with nothing to install.
 * esbuild builds it on the first request (not at start: most bridges never serve it), once;
 * the bytes stay in memory.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

export const CLIENT_BUNDLE_PATH = '/client.js';
/** Browsers revalidate after this (with the ETag), so a bridge upgrade reaches them soon. */
const MAX_AGE_SEC = 300;
const ENTRY = fileURLToPath(new URL('../client/index.ts', import.meta.url));
/** Browsers of 2021 on: native private fields and `??=`, no down-levelling. */
const TARGET = ['es2022'];

export interface ClientBundle {
  readonly code: string;
  /** Strong validator over the bytes. */
  readonly etag: string;
}

let cached: Promise<ClientBundle> | undefined;

async function build(): Promise<ClientBundle> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: TARGET,
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
    banner: { js: '/* callbridge client SDK: see docs/client.md */' },
  });
  const code = result.outputFiles[0]?.text;
  if (code === undefined) throw new Error('esbuild produced no output for the client bundle');
  const etag = `"${createHash('sha256').update(code).digest('base64url').slice(0, 32)}"`;
  return { code, etag };
}

/**
 * The bundle, built on the first call and then cached; a failed build is retried next time.
 *
 * @example
 * const { code, etag } = await clientBundle();
 */
export function clientBundle(): Promise<ClientBundle> {
  cached ??= build().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

/** `If-None-Match` holds our ETag (a list, weak or `*` included: RFC 9110 §13.1.2). */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const value = tag.trim();
    return value === '*' || value === etag || value === `W/${etag}`;
  });
}

/**
 * Registers `GET /client.js` (and HEAD): `application/javascript`, an ETag answered with 304,
 * and `Access-Control-Allow-Origin: *` — module scripts are fetched in CORS mode, and the file
 * is public code without credentials, so any page may import it.
 *
 * @example
 * registerClientBundleRoute(fastify);
 */
export function registerClientBundleRoute(fastify: FastifyInstance): void {
  fastify.get(CLIENT_BUNDLE_PATH, async (request, reply) => {
    const bundle = await clientBundle();
    reply
      .header('content-type', 'application/javascript; charset=utf-8')
      .header('cache-control', `public, max-age=${MAX_AGE_SEC}, must-revalidate`)
      .header('etag', bundle.etag)
      .header('access-control-allow-origin', '*')
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('x-content-type-options', 'nosniff');
    if (matches(request.headers['if-none-match'], bundle.etag)) return reply.code(304).send();
    return reply.send(bundle.code);
  });
}
