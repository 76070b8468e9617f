/**
 * Where the CDR cursor of each tenant is kept between runs: a small JSON file under `dataDir`,
 * written atomically (temporary file + rename), like XiVO's CEL cursor. Without `dataDir` the
 * cursor lives in memory only.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/** One tenant's position in the CDRs. */
export interface TenantCdrCursor {
  /** The server id the cursor was built for: a changed mapping starts over. */
  server: string;
  /** Epoch ms at which the last completely read window started; undefined before the first. */
  watermark: number | undefined;
  /** Keys of the CDRs already read, with their start time (epoch ms) for pruning. */
  seen: Map<string, number>;
}

const FileSchema = z.object({
  version: z.literal(1),
  tenants: z.record(
    z.string(),
    z.object({
      server: z.string(),
      watermark: z.number().int().nonnegative().nullable(),
      seen: z.array(z.tuple([z.string(), z.number()])),
    }),
  ),
});

export class CdrCursorStore {
  readonly #file: string | undefined;

  constructor(dataDir: string | undefined, sourceId: string) {
    this.#file = dataDir === undefined ? undefined : join(dataDir, `pbxware-${sourceId}.cdr-cursor.json`);
  }

  get persistent(): boolean {
    return this.#file !== undefined;
  }

  /** The saved cursors by bridge tenant; empty when there is no file or it cannot be read. */
  async load(): Promise<Map<string, TenantCdrCursor>> {
    const out = new Map<string, TenantCdrCursor>();
    if (this.#file === undefined) return out;
    let data: unknown;
    try {
      data = JSON.parse(await readFile(this.#file, 'utf8'));
    } catch {
      return out;
    }
    const parsed = FileSchema.safeParse(data);
    if (!parsed.success) return out;
    for (const [tenant, saved] of Object.entries(parsed.data.tenants)) {
      out.set(tenant, { server: saved.server, watermark: saved.watermark ?? undefined, seen: new Map(saved.seen) });
    }
    return out;
  }

  async save(cursors: ReadonlyMap<string, TenantCdrCursor>): Promise<void> {
    if (this.#file === undefined) return;
    const tenants: z.input<typeof FileSchema>['tenants'] = {};
    for (const [tenant, cursor] of cursors) {
      tenants[tenant] = { server: cursor.server, watermark: cursor.watermark ?? null, seen: [...cursor.seen] };
    }
    await mkdir(dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ version: 1, savedAt: new Date().toISOString(), tenants }));
    await rename(tmp, this.#file);
  }
}
