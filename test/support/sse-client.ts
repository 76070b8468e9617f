/**
 * A minimal Server-Sent Events reader for tests, on node:http so that `close()` really closes
 * the connection (an aborted fetch may leave the socket open for undici's keep-alive timeout).
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import { waitFor } from './wait-for.js';

export interface SseFrame {
  id?: string;
  /** `message` when the frame names no event type. */
  event: string;
  data?: string;
  /** Comment lines (`: ping`), without the colon. */
  comments: string[];
  retry?: number;
}

export interface SseStream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly frames: SseFrame[];
  /** The raw body, for non-200 answers. */
  readonly body: () => string;
  /** Frames of `event` type with data, parsed as JSON. */
  json<T = unknown>(event?: string): T[];
  waitForFrames(predicate: (frames: SseFrame[]) => boolean, timeout?: number): Promise<void>;
  /** Resolves when the server ends the stream (or the client closes it). */
  readonly ended: Promise<void>;
  close(): void;
}

function parseFrame(block: string): SseFrame {
  const frame: SseFrame = { event: 'message', comments: [] };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      frame.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
    else if (field === 'retry') frame.retry = Number(value);
  }
  return frame;
}

/** Opens `url` as an event stream; resolves once the status line is in (check `status`). */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } });
    req.once('error', reject);
    req.once('response', (res) => {
      const frames: SseFrame[] = [];
      let buffer = '';
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          frames.push(parseFrame(buffer.slice(0, end)));
          buffer = buffer.slice(end + 2);
        }
      });
      const ended = new Promise<void>((done) => {
        res.once('close', done);
        res.once('error', () => done());
      });
      req.on('error', () => {});
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        frames,
        body: () => body,
        json<T>(event = 'message') {
          return frames.filter((f) => f.event === event && f.data !== undefined).map((f) => JSON.parse(f.data ?? 'null') as T);
        },
        waitForFrames(predicate, timeout = 5_000) {
          return waitFor(() => predicate(frames), { timeout }).catch((err: unknown) => {
            throw new Error(`SSE: condition not met within ${timeout} ms; frames: ${JSON.stringify(frames).slice(0, 800)}`, { cause: err });
          });
        },
        ended,
        close: () => req.destroy(),
      });
    });
    req.end();
  });
}
