/** What the memory bench's parent and a server process say to each other over IPC. */

export interface MemorySnapshot {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

export type MemoryParentMessage = { kind: 'sample' } | { kind: 'close' };

export type MemoryChildMessage =
  | { kind: 'ready'; url: string }
  | { kind: 'sample'; memory: MemorySnapshot }
  | { kind: 'failed'; message: string };
