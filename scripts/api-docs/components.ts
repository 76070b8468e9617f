/**
 * Every schema the API documents use, generated with `z.toJSONSchema` from the zod schemas: all
 * the protocol's exported schemas under their names, one schema per event type, per command and
 * per command's arguments, and the wire payloads of wire-schemas.ts. The schemas refer to one
 * another as `#/components/schemas/<name>`, which resolves in both documents.
 */
import { z } from 'zod';
import * as protocol from '../../src/protocol/index.js';
import { COMMAND_ARGS, COMMAND_TYPES, BridgeEventSchema, ENTITY_SCHEMAS, EVENT_TYPES, TOPICS, type CommandType, type EventType, type Topic } from '../../src/protocol/index.js';
import * as wire from './wire-schemas.js';

export type JsonSchema = Record<string, unknown>;
/** AsyncAPI's default schema format is a draft-07 superset; OpenAPI 3.1 uses draft 2020-12. */
export type SchemaTarget = 'draft-7' | 'draft-2020-12';

/** `agent.pause` -> `AgentPause`, `attended_transfer` -> `AttendedTransfer`. */
export const pascal = (name: string): string =>
  name
    .split(/[._-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

export const eventSchemaName = (type: EventType): string => `${pascal(type)}Event`;
export const commandSchemaName = (type: CommandType): string => `${pascal(type)}Command`;
export const commandRequestSchemaName = (type: CommandType): string => `${pascal(type)}CommandRequest`;
export const commandArgsSchemaName = (type: CommandType): string => `${pascal(type)}Args`;

/** The topic of an event type: `peer.registered` -> `peers` (the naming rule of protocol §3). */
export function topicOfEventType(type: EventType): Topic {
  const topic = `${type.slice(0, type.indexOf('.'))}s`;
  const found = TOPICS.find((candidate) => candidate === topic);
  if (!found) throw new Error(`event type "${type}" belongs to no topic (expected "${topic}")`);
  return found;
}

/**
 * A module's exported zod schemas, by documented name (`PeerSchema` -> `Peer`), sorted: the
 * order of a module namespace's keys differs between Node and vitest's transform.
 */
function exportedSchemas(module: Record<string, unknown>): Array<[string, z.ZodType]> {
  return Object.entries(module)
    .filter((entry): entry is [string, z.ZodType] => entry[0].endsWith('Schema') && entry[1] instanceof z.ZodType)
    .map(([name, schema]): [string, z.ZodType] => [name.slice(0, -'Schema'.length), schema])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The protocol's exported zod schemas (src/protocol/index.ts). */
export const protocolSchemas = (): Array<[string, z.ZodType]> => exportedSchemas(protocol);

/** The wire payloads of wire-schemas.ts. */
export const wireSchemas = (): Array<[string, z.ZodType]> => exportedSchemas(wire);

/** Every named schema, in a stable order. */
export function namedSchemas(): Array<[string, z.ZodType]> {
  const named: Array<[string, z.ZodType]> = [...protocolSchemas()];
  for (const type of COMMAND_TYPES) named.push([commandArgsSchemaName(type), COMMAND_ARGS[type]]);
  for (const type of EVENT_TYPES) {
    const topic = topicOfEventType(type);
    named.push([eventSchemaName(type), BridgeEventSchema.extend({ topic: z.literal(topic), type: z.literal(type), data: ENTITY_SCHEMAS[topic] })]);
  }
  for (const type of COMMAND_TYPES) {
    named.push([commandSchemaName(type), wire.socketCommandSchema(type)]);
    named.push([commandRequestSchemaName(type), wire.restCommandSchema(type)]);
  }
  named.push(...wireSchemas());
  return named;
}

/**
 * The JSON Schemas of every named schema, for `target`.
 *
 * @example
 * componentSchemas('draft-7').Peer; // { type: 'object', properties: { name: ... }, ... }
 */
export function componentSchemas(target: SchemaTarget): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of namedSchemas()) {
    if (registry.has(schema)) throw new Error(`schema "${id}" is registered twice`);
    registry.add(schema, { id });
  }
  const { schemas } = z.toJSONSchema(registry, {
    target,
    // Payloads as senders write them (`popup: 77` is as good as `"77"`).
    io: 'input',
    unrepresentable: 'throw',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const out: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _schema, $id: _id, ...rest } = schema as JsonSchema;
    out[id] = rest;
  }
  return out;
}
