/** Parsing of the REST query strings shared by the state and SSE routes. */
import { z } from 'zod';
import { TOPICS, TopicSchema, type Topic } from '../protocol/entities.js';
import { parseOrThrow } from './ack.js';

const TopicListSchema = z.array(TopicSchema).max(TOPICS.length * 2);

/** `topics=a,b` -> the topics (all when absent or empty); unknown ones are `invalid_argument`. */
export function parseTopics(value: unknown): readonly Topic[] {
  if (value === undefined || value === '') return TOPICS;
  const text = parseOrThrow(z.string().max(500), value, 'topics');
  const list = parseOrThrow(TopicListSchema, text.split(',').map((part) => part.trim()).filter(Boolean), 'topics');
  return list.length === 0 ? TOPICS : [...new Set(list)];
}

/** A cursor as a query or header value: a non-negative integer in decimal, or absent. */
export function parseCursor(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const text = parseOrThrow(z.string().max(20).regex(/^\d+$/, 'a non-negative integer'), value, name);
  return parseOrThrow(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), Number(text), name);
}
