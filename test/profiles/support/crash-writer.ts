/**
 * Run as a child process by the crash test: stores profiles one after another in the directory
 * given as argument, printing the count each time a put has resolved, until it is killed.
 *
 *   node --import tsx test/profiles/support/crash-writer.ts DIR
 */
import { FileProfileStore } from '../../../src/profiles/file-profile-store.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: crash-writer.ts DIR');
const store = new FileProfileStore({ dir });
await store.load();
// Big enough that each write takes a while, so a kill often lands in the middle of one.
const padding = 'x'.repeat(64 * 1024);
for (let index = 0; ; index++) {
  const at = new Date().toISOString();
  await store.put({
    id: `crash-${index}`,
    tenant: 'acme',
    type: 'XivoConnectionProfile',
    name: `crash ${index}`,
    enabled: false,
    settings: { url: 'http://127.0.0.1:9', username: 'callbridge', password: 'crash-writer-password', note: padding },
    createdAt: at,
    updatedAt: at,
  });
  process.stdout.write(`${index + 1}\n`);
}
