/** The last CEL id read, optionally saved in a small JSON file (written atomically). */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class CursorStore {
  readonly #file: string | undefined;

  constructor(dataDir: string | undefined, sourceId: string) {
    this.#file = dataDir === undefined ? undefined : join(dataDir, `xivo-${sourceId}.cel-cursor.json`);
  }

  get persistent(): boolean {
    return this.#file !== undefined;
  }

  /** The saved id, or undefined (no file, or a file we cannot read). */
  async load(): Promise<number | undefined> {
    if (this.#file === undefined) return undefined;
    try {
      const data = JSON.parse(await readFile(this.#file, 'utf8')) as { lastId?: unknown };
      return typeof data.lastId === 'number' && Number.isSafeInteger(data.lastId) && data.lastId >= 0 ? data.lastId : undefined;
    } catch {
      return undefined;
    }
  }

  async save(lastId: number): Promise<void> {
    if (this.#file === undefined) return;
    const dir = join(this.#file, '..');
    await mkdir(dir, { recursive: true });
    const tmp = `${this.#file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ lastId, savedAt: new Date().toISOString() }));
    await rename(tmp, this.#file);
  }
}
