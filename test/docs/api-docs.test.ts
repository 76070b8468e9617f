/**
 * docs/asyncapi.yaml and docs/openapi.yaml stay in step with the code: they are exactly what the
 * generator makes of the current zod schemas, they name every event type, command, schema, error
 * code and REST route the code has (and nothing else), they are valid documents, and what a real
 * bridge sends validates against them.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { commandSchemaName, eventSchemaName, namedSchemas, protocolSchemas } from '../../scripts/api-docs/components.js';
import { ASYNCAPI_PATH, OPENAPI_PATH, buildApiDocs } from '../../scripts/generate-api-docs.js';
import { ERROR_CODES } from '../../src/errors.js';
import { COMMAND_TYPES, ENTITY_SCHEMAS, EVENT_TYPES, TOPICS, type BridgeEvent, type CommandUpdateEvent, type EventType } from '../../src/protocol/index.js';
import { CLIENT_BUNDLE_PATH } from '../../src/server/client-bundle.js';
import { connectClient } from '../support/bridge-client.js';
import { E2E_TOKENS, startTestBridge } from '../support/test-bridge.js';
import { waitFor } from '../support/wait-for.js';
import { startServer } from '../server/harness.js';
import { officialAsyncApiProblems, officialOpenApiProblems } from './support/official-parsers.js';
import { compileSchemas, type SchemaValidator } from './support/schema-validator.js';
import { asyncApiProblems, openApiProblems, resolvePointer } from './support/structural.js';

type Doc = Record<string, unknown>;
const asyncapiText = readFileSync(ASYNCAPI_PATH, 'utf8');
const openapiText = readFileSync(OPENAPI_PATH, 'utf8');
const asyncapi = parse(asyncapiText) as Doc;
const openapi = parse(openapiText) as Doc;

const at = (doc: Doc, pointer: string): Doc => (resolvePointer(doc, pointer) ?? {}) as Doc;
const schemasOf = (doc: Doc): Record<string, Doc> => at(doc, '#/components/schemas') as Record<string, Doc>;
const sorted = (values: Iterable<string>): string[] => [...values].sort();

interface Message {
  name: string;
  title: string;
  payload: { $ref?: string };
}
const messages = Object.values(at(asyncapi, '#/components/messages')) as Message[];
/** The `const` of a message payload's `type` property. */
const payloadType = (message: Message): unknown => at(asyncapi, `${message.payload.$ref ?? '#/none'}/properties/type`).const;

describe('API documents', () => {
  it('are exactly what the generator makes of the current schemas (else: npm run docs:api)', () => {
    const fresh = buildApiDocs();
    expect(asyncapiText, 'docs/asyncapi.yaml is stale: run npm run docs:api').toBe(fresh.asyncapiYaml);
    expect(openapiText, 'docs/openapi.yaml is stale: run npm run docs:api').toBe(fresh.openapiYaml);
  });

  it('name every event type, command, schema and error code of the code, and nothing else', () => {
    const events = messages.filter((m) => m.name === 'event' && m.title !== 'command.updated');
    expect(sorted(events.map((m) => m.title))).toEqual(sorted(EVENT_TYPES));
    for (const message of events) expect(payloadType(message)).toBe(message.title);
    const commands = messages.filter((m) => m.name === 'command' && m.payload.$ref !== undefined);
    expect(sorted(commands.map((m) => m.title))).toEqual(sorted(COMMAND_TYPES));
    for (const message of commands) expect(payloadType(message)).toBe(message.title);
    const restCommands = at(openapi, '#/paths/~1v1~1tenants~1{tenant}~1commands/post/requestBody/content/application~1json/schema/discriminator/mapping');
    expect(sorted(Object.keys(restCommands))).toEqual(sorted(COMMAND_TYPES));

    const expected = sorted(namedSchemas().map(([name]) => name));
    for (const doc of [asyncapi, openapi]) {
      expect(sorted(Object.keys(schemasOf(doc)))).toEqual(expected);
      for (const [name] of protocolSchemas()) expect(schemasOf(doc)).toHaveProperty(name);
      for (const type of EVENT_TYPES) expect(schemasOf(doc)).toHaveProperty(eventSchemaName(type));
      for (const type of COMMAND_TYPES) expect(schemasOf(doc)).toHaveProperty(commandSchemaName(type));
      // Every entity field of the schemas, under its name.
      for (const topic of TOPICS) {
        const name = protocolSchemas().find(([, schema]) => schema === ENTITY_SCHEMAS[topic])?.[0] ?? '';
        expect(sorted(Object.keys(at(doc, `#/components/schemas/${name}/properties`)))).toEqual(sorted(Object.keys(ENTITY_SCHEMAS[topic].shape)));
      }
      expect(at(doc, '#/components/schemas/WireError/properties/code').enum).toEqual([...ERROR_CODES]);
    }
  });

  it('describe every REST route the server has, and no other', async () => {
    const server = await startServer();
    try {
      const routes = new Set<string>();
      // A route under another one prints as a child (`│   └── /:id (GET)`): rebuild its full path from the tree's indentation.
      const parents: string[] = [];
      for (const [, indent = '', segment = '', methods] of server.server.fastify.printRoutes({ commonPrefix: false }).matchAll(/^([│ ]*)[├└]── (\/\S*)(?: \(([A-Z, ]+)\))?$/gm)) {
        const depth = indent.length / 4;
        const path = (parents[depth - 1] ?? '') + segment;
        parents.length = depth;
        parents.push(path);
        for (const method of (methods ?? '').split(', ')) if (method !== 'HEAD' && method !== '') routes.add(`${method} ${path}`);
      }
      // Registered by registerClientBundleRoute (bundle.test.ts serves it).
      routes.add(`GET ${CLIENT_BUNDLE_PATH}`);
      const documented = new Set<string>();
      for (const [path, item] of Object.entries(at(openapi, '#/paths'))) {
        for (const method of Object.keys(item as Doc)) documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
      }
      expect(sorted(documented)).toEqual(sorted(routes));
    } finally {
      await server.close();
    }
  });

  it('are valid documents with strict JSON Schemas (official parsers when installed, structural checks always)', async () => {
    expect(asyncApiProblems(asyncapi)).toEqual([]);
    expect(openApiProblems(openapi)).toEqual([]);
    expect(() => compileSchemas(schemasOf(asyncapi), 'draft-07')).not.toThrow();
    expect(() => compileSchemas(schemasOf(openapi), '2020-12')).not.toThrow();
    const official = { asyncapi: await officialAsyncApiProblems(asyncapiText), openapi: await officialOpenApiProblems(openapi) };
    if (official.asyncapi) expect(official.asyncapi).toEqual([]);
    if (official.openapi) expect(official.openapi).toEqual([]);
    if (!official.asyncapi || !official.openapi) {
      console.warn('api-docs: official parsers not installed (npm i -D @asyncapi/parser @readme/openapi-parser); checked structurally only');
    }
  });

  it('have structural checks that catch a broken document', () => {
    const brokenAsync = structuredClone(asyncapi);
    const operations = at(brokenAsync, '#/operations');
    (operations.receiveCommand as { messages: unknown[] }).messages.push({ $ref: '#/components/messages/hello' });
    delete at(brokenAsync, '#/components/messages')['peer.removed'];
    expect(asyncApiProblems(brokenAsync)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('operations.receiveCommand.messages'),
        expect.stringContaining('#/components/messages/peer.removed does not resolve'),
      ]),
    );
    const brokenOpen = structuredClone(openapi);
    const state = at(brokenOpen, '#/paths/~1v1~1tenants~1{tenant}~1state/get');
    state.parameters = [];
    delete at(brokenOpen, '#/components/schemas').StateResponse;
    expect(openApiProblems(brokenOpen)).toEqual(
      expect.arrayContaining([expect.stringContaining('{tenant} is not declared'), expect.stringContaining('StateResponse does not resolve')]),
    );
  });

  describe('against a real bridge', () => {
    let socketSchemas: SchemaValidator;
    let restSchemas: SchemaValidator;
    let t: Awaited<ReturnType<typeof startTestBridge>>;
    beforeAll(async () => {
      socketSchemas = compileSchemas(schemasOf(asyncapi), 'draft-07');
      restSchemas = compileSchemas(schemasOf(openapi), '2020-12');
      t = await startTestBridge();
      await waitFor(async () => (await t.bridge.bus.entities('demo', 'agents')).size > 0);
    });
    afterAll(async () => {
      await t.close();
    });

    it('validates what the socket.io API sends', async () => {
      const client = await connectClient(t.url, E2E_TOKENS.admin);
      try {
        expect(socketSchemas.check('Hello', client.hello)).toBeUndefined();
        const first = await client.call<{ cursor: number }>('subscribe', { tenant: 'demo', raw: true });
        expect(socketSchemas.checkAny(['SubscribeOk', 'AckError'], first)).toBeUndefined();
        const call = t.sim.model.startCall({ tenant: 'DEMO', from: '100', to: '101' });
        t.sim.model.setAgentPaused({ tenant: 'DEMO', agent: '104', queue: '282', paused: true, reason: 'Docs' });
        t.sim.model.setPeerStatus('103-DEMO', 'unreachable');
        const ack = await client.call('command', { id: randomUUID(), tenant: 'demo', type: 'flow.set', args: { number: '700', state: 'INUSE' } });
        expect(socketSchemas.checkAny(['CommandOk', 'AckError'], ack)).toBeUndefined();
        await waitFor(() => client.events.some((e) => e.type === 'channel.created' && e.key === call.aLeg), { message: 'no channel.created' });
        t.sim.model.hangupChannel(call.aLeg);
        await waitFor(() => client.events.some((e) => e.type === 'channel.hungup'), { message: 'no channel.hungup' });
        await waitFor(() => client.events.some((e) => e.type === 'command.updated' && e.data.state === 'observed'), { message: 'no observed' });
        await waitFor(() => client.events.some((e) => e.type === 'agent.paused'), { message: 'no agent.paused' });
        await waitFor(() => client.events.some((e) => e.type === 'peer.unregistered'), { message: 'no peer.unregistered' });
        const types = new Set<string>();
        for (const event of client.events) {
          types.add(event.type);
          const name = event.type === 'command.updated' ? 'CommandUpdate' : eventSchemaName((event as BridgeEvent).type as EventType);
          expect(socketSchemas.check(name, event)).toBeUndefined();
        }
        expect([...types]).toEqual(
          expect.arrayContaining(['channel.created', 'channel.hungup', 'blf.changed', 'agent.paused', 'peer.unregistered', 'flow.changed', 'command.updated']),
        );
        expect(client.events.filter((e): e is CommandUpdateEvent => e.type === 'command.updated').map((e) => e.data.state)).toContain('succeeded');
        const resumed = await client.call('subscribe', { tenant: 'demo', topics: ['flows'], since: first.cursor });
        expect(socketSchemas.checkAny(['SubscribeOk', 'AckError'], resumed)).toBeUndefined();
        expect(socketSchemas.check('AckError', await client.call('subscribe', { tenant: 'nosuch' }))).toBeUndefined();
        expect(socketSchemas.check('UnsubscribeOk', await client.call('unsubscribe', { tenant: 'demo' }))).toBeUndefined();
      } finally {
        client.close();
      }
    });

    it('validates what the REST API answers', async () => {
      const get = async (path: string): Promise<unknown> => (await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${E2E_TOKENS.admin}` } })).json();
      expect(restSchemas.check('StateResponse', await get('/v1/tenants/demo/state'))).toBeUndefined();
      expect(restSchemas.check('Readyz', await get('/readyz'))).toBeUndefined();
      expect(restSchemas.check('Healthz', await get('/healthz'))).toBeUndefined();
      const post = async (body: unknown): Promise<unknown> =>
        (
          await fetch(`${t.url}/v1/tenants/demo/commands`, {
            method: 'POST',
            headers: { authorization: `Bearer ${E2E_TOKENS.admin}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
            body: JSON.stringify(body),
          })
        ).json();
      const request = { type: 'flow.set', args: { number: '701', value: 'docs' } };
      expect(restSchemas.check('FlowSetCommandRequest', request)).toBeUndefined();
      expect(restSchemas.check('CommandOk', await post(request))).toBeUndefined();
      expect(restSchemas.check('AckError', await post({ type: 'dial', args: { from: '999', to: '33170200258' } }))).toBeUndefined();
    });
  });
});
