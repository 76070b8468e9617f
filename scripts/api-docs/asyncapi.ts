/**
 * The AsyncAPI 3.0 document of the socket.io API (protocol §1, §3, §4; docs/protocol.md): one
 * channel (the `/v1` namespace), a message per event type, per command and per call, the acks
 * as operation replies, and the error codes.
 */
import { COMMAND_TYPES, EVENT_TYPES, type CommandType, type EventType } from '../../src/protocol/index.js';
import { commandSchemaName, componentSchemas, eventSchemaName, topicOfEventType, type JsonSchema } from './components.js';
import { errorCodeTable } from './error-codes.js';

const CHANNEL = 'v1';
const ref = (path: string): { $ref: string } => ({ $ref: path });
const schemaRef = (name: string): { $ref: string } => ref(`#/components/schemas/${name}`);
const channelMessage = (id: string): { $ref: string } => ref(`#/channels/${CHANNEL}/messages/${id}`);

/** Message ids: the event type (`peer.registered`), `command.<type>`, and the calls by name. */
export const eventMessageId = (type: EventType): string => type;
export const commandMessageId = (type: CommandType): string => `command.${type}`;

function messages(): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {
    hello: {
      name: 'hello',
      title: 'hello',
      summary: 'Sent right after the handshake: what the token may see and do, and what each source supports.',
      payload: schemaRef('Hello'),
    },
  };
  for (const type of EVENT_TYPES) {
    out[eventMessageId(type)] = {
      name: 'event',
      title: type,
      summary: `\`${type}\` on topic \`${topicOfEventType(type)}\`: \`data\` is the entity as it is now (as it last was when \`removed\`).`,
      payload: schemaRef(eventSchemaName(type)),
    };
  }
  out['command.updated'] = {
    name: 'event',
    title: 'command.updated',
    summary: 'A command\'s lifecycle (queued, sent, succeeded / failed, observed); only to the socket that sent it, without `seq`.',
    payload: schemaRef('CommandUpdate'),
  };
  out.subscribe = { name: 'subscribe', title: 'subscribe', summary: 'Joins topics of a tenant; with `since`, replays what was missed.', payload: schemaRef('Subscribe') };
  out.subscribeAck = {
    name: 'subscribe',
    title: 'subscribe acknowledgement',
    summary: '`{ ok, cursor, snapshot }`, or `{ ok, cursor, replayed }` followed by the replayed events; `resync: true` when `since` was out of the log.',
    payload: { oneOf: [schemaRef('SubscribeOk'), schemaRef('AckError')] },
  };
  out.unsubscribe = { name: 'unsubscribe', title: 'unsubscribe', summary: 'Leaves topics of a tenant (all by default).', payload: schemaRef('Unsubscribe') };
  out.unsubscribeAck = { name: 'unsubscribe', title: 'unsubscribe acknowledgement', payload: { oneOf: [schemaRef('UnsubscribeOk'), schemaRef('AckError')] } };
  for (const type of COMMAND_TYPES) {
    out[commandMessageId(type)] = {
      name: 'command',
      title: type,
      summary: `The \`${type}\` command; \`id\` is the idempotency key (24 h).`,
      payload: schemaRef(commandSchemaName(type)),
    };
  }
  out.commandAck = {
    name: 'command',
    title: 'command acknowledgement',
    summary: 'Always comes, within the source\'s command timeout.',
    payload: { oneOf: [schemaRef('CommandOk'), schemaRef('AckError')] },
  };
  return out;
}

function operations(): Record<string, JsonSchema> {
  const channel = ref(`#/channels/${CHANNEL}`);
  const reply = (id: string): JsonSchema => ({ channel, messages: [channelMessage(id)] });
  return {
    sendHello: { action: 'send', channel, title: 'hello', messages: [channelMessage('hello')] },
    sendEvent: {
      action: 'send',
      channel,
      title: 'event',
      summary: 'State events of the subscribed tenants and topics, in `seq` order (a per-tenant sequence with no gap).',
      messages: EVENT_TYPES.map((type) => channelMessage(eventMessageId(type))),
    },
    sendCommandUpdate: { action: 'send', channel, title: 'command.updated', messages: [channelMessage('command.updated')] },
    receiveSubscribe: { action: 'receive', channel, title: 'subscribe', messages: [channelMessage('subscribe')], reply: reply('subscribeAck') },
    receiveUnsubscribe: { action: 'receive', channel, title: 'unsubscribe', messages: [channelMessage('unsubscribe')], reply: reply('unsubscribeAck') },
    receiveCommand: {
      action: 'receive',
      channel,
      title: 'command',
      summary: 'A command; its acknowledgement is the reply, `command.updated` events follow.',
      messages: COMMAND_TYPES.map((type) => channelMessage(commandMessageId(type))),
      reply: reply('commandAck'),
    },
  };
}

const DESCRIPTION = `Real-time call-control bridge: PBX state as normalized socket.io events, commands back.

Connect with socket.io 4 to the namespace \`/v1\`: \`io(url + "/v1", { auth: { token } })\`. A refused
token fails the handshake with \`connect_error\` \`unauthorized\`. Every client call takes a socket.io
acknowledgement (the operation's reply); a call without one is ignored.

Error codes (\`error.code\` in a refusal):

${errorCodeTable()}
`;

/**
 * @example
 * const doc = asyncApiDocument('0.1.0'); // { asyncapi: '3.0.0', channels: { v1: ... }, ... }
 */
export function asyncApiDocument(version: string): JsonSchema {
  const schemas = componentSchemas('draft-7');
  const wireError = schemas.WireError;
  if (wireError) wireError.description = `A refusal.\n\n${errorCodeTable()}`;
  const messageMap = messages();
  return {
    asyncapi: '3.0.0',
    info: { title: 'callbridge socket.io API', version, description: DESCRIPTION, license: { name: 'MIT' } },
    defaultContentType: 'application/json',
    servers: {
      bridge: {
        host: 'localhost:8080',
        protocol: 'ws',
        description: 'socket.io 4 over websocket (HTTP long-polling is also accepted) on the bridge\'s HTTP port.',
        security: [ref('#/components/securitySchemes/token')],
      },
    },
    channels: {
      [CHANNEL]: {
        address: '/v1',
        title: 'The /v1 namespace',
        description: 'One namespace for every tenant; `subscribe` joins server-side rooms per tenant and topic.',
        messages: Object.fromEntries(Object.keys(messageMap).map((id) => [id, ref(`#/components/messages/${id}`)])),
      },
    },
    operations: operations(),
    components: {
      schemas,
      messages: messageMap,
      securitySchemes: {
        token: {
          type: 'http',
          scheme: 'bearer',
          description: 'A static token or an HS256 JWT, sent in the socket.io handshake as `auth: { token }`, never in the URL.',
        },
      },
    },
  };
}
