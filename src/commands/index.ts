/** The command layer's public surface (protocol §4 "command"). */
export type { CommandAck, CommandRequestOptions, CommandService } from './command-service.js';
export {
  CommandDispatcher,
  DEFAULT_COMMAND_LIMITS,
  DEFAULT_IDEMPOTENCY_TTL_MS,
  type CommandDispatcherOptions,
  type CommandLimits,
  type SourceLookup,
} from './command-dispatcher.js';
export { validateCommand, stableStringify, type ValidCommand } from './command-validator.js';
export { authorize } from './authorize.js';
export { resolveSource } from './source-resolver.js';
export { commandKey, type IdempotencyStore, type Reservation } from './idempotency-store.js';
export { MemoryIdempotencyStore, type MemoryIdempotencyStoreOptions } from './memory-idempotency-store.js';
export {
  CircuitBreaker,
  CircuitOpenError,
  type AttemptVerdict,
  type BreakerState,
  type BreakerTicket,
  type CircuitBreakerOptions,
} from './circuit-breaker.js';
export {
  ObservationTracker,
  DEFAULT_OBSERVATION_WINDOW_MS,
  type Observation,
  type ObservationTrackerOptions,
  type WatchRequest,
} from './observation-tracker.js';
export { CommandUpdates, type Notify } from './command-updates.js';
export { failedAck, shouldRemember, verdictOf, type FailedAck } from './command-outcome.js';
export { auditArgs, writeAudit, type AuditRecord } from './audit-log.js';
export { callVendor, type VendorCallOptions } from './vendor-call.js';
export { maskPhone, maskPhonesInText, MASK } from '../util/mask.js';
