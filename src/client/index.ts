/**
 * `callbridge/client`: the bridge's SDK for browsers and Node. The bridge serves this module as
 * an ESM bundle at `/client.js`. See docs/client.md.
 */
export { connect } from './connect.js';
export { CallbridgeError } from './errors.js';
export { newCommandId } from './command-id.js';
export { TOPICS, entityKey } from './topics.js';
export type { EventTypeOf } from './topics.js';
export type {
  AuthExpiringInfo,
  CallbridgeClient,
  ChangeEvent,
  ClientEvents,
  ClientStatus,
  CommandArgsInput,
  CommandOptions,
  CommandResultOf,
  ConnectOptions,
  ConnectionState,
  ErrorCode,
  KnownCommandResults,
  OfflineReason,
  RenewResult,
  SnapshotInfo,
  SourceHealth,
  TenantState,
  TenantView,
  TokenProvider,
  TopicChange,
} from './types.js';
export type {
  Agent,
  Blf,
  CallRecord,
  Callback,
  Channel,
  Entity,
  EntityByTopic,
  Extension,
  Flow,
  Peer,
  Queue,
  SourceEntity,
  SourceStatus,
  Topic,
} from '../protocol/entities.js';
export type { BridgeEvent, CommandState, CommandUpdateEvent, EventType } from '../protocol/events.js';
export type { CommandResult, CommandType } from '../protocol/commands.js';
export type { DroppedSubscription, Hello, HelloSource } from '../protocol/messages.js';
