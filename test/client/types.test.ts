/**
 * The client's public types, pinned. They come from the protocol's zod schemas, so renaming an
 * event type, a command or an entity field on the server fails `tsc` here (and in users' code).
 * The assertions are checked by `tsc --noEmit`; the bodies that need a client are typed
 * functions never called (there is no client to call them on).
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  connect,
  type Agent,
  type AuthExpiringInfo,
  type CallbridgeError,
  type RenewResult,
  type Blf,
  type CallbridgeClient,
  type ChangeEvent,
  type ClientStatus,
  type CommandUpdateEvent,
  type ConnectionState,
  type EventTypeOf,
  type Hello,
  type SourceHealth,
  type TenantView,
  type TopicChange,
  type Topic,
} from '../../src/client/index.js';
import type { CommandResult } from '../../src/protocol/commands.js';

describe('client public types', () => {
  it('connect() returns the client, with per-topic typed mirrors', () => {
    expectTypeOf(connect).parameter(0).toEqualTypeOf<string | URL>();
    expectTypeOf(connect).returns.toEqualTypeOf<CallbridgeClient>();
    const typed = (cb: CallbridgeClient): void => {
      expectTypeOf(cb.state.blfs.get('100')).toEqualTypeOf<Blf | undefined>();
      expectTypeOf(cb.state.agents.get('281/101')).toEqualTypeOf<Agent | undefined>();
      expectTypeOf(cb.tenant('globex')).toEqualTypeOf<TenantView>();
      expectTypeOf(cb.tenant('globex').cursor).toEqualTypeOf<number | undefined>();
      expectTypeOf(cb.hello).toEqualTypeOf<Hello | undefined>();
    };
    expectTypeOf(typed).toBeFunction();
  });

  it('change events narrow by topic and by event type', () => {
    const typed = (cb: CallbridgeClient): void => {
      cb.on('change', (e) => {
        expectTypeOf(e).toEqualTypeOf<ChangeEvent>();
        if (e.type === 'agent.paused') {
          expectTypeOf(e).toEqualTypeOf<TopicChange<'agents'>>();
          expectTypeOf(e.entity.pauseReason).toEqualTypeOf<string | undefined>();
        }
        if (e.topic === 'channels') {
          expectTypeOf(e.type).toEqualTypeOf<'channel.created' | 'channel.updated' | 'channel.hungup'>();
          expectTypeOf(e.previous).toEqualTypeOf<TopicChange<'channels'>['entity'] | undefined>();
        }
        // @ts-expect-error not an event type of the protocol
        if (e.type === 'agent.logged_in') return;
      });
    };
    expectTypeOf(typed).toBeFunction();
    expectTypeOf<EventTypeOf<'blfs'>>().toEqualTypeOf<'blf.changed'>();
    expectTypeOf<EventTypeOf<'calls'>>().toEqualTypeOf<'call.recorded'>();
    expectTypeOf<EventTypeOf<'sources'>>().toEqualTypeOf<'source.up' | 'source.degraded' | 'source.down'>();
  });

  it('status and other listeners are typed', () => {
    const typed = (cb: CallbridgeClient): void => {
      cb.on('status', (s) => {
        expectTypeOf(s).toEqualTypeOf<ClientStatus>();
        expectTypeOf(s.state).toEqualTypeOf<ConnectionState>();
        expectTypeOf(s.sources).toEqualTypeOf<readonly SourceHealth[]>();
      });
      expectTypeOf<ConnectionState>().toEqualTypeOf<'connecting' | 'live' | 'resyncing' | 'offline'>();
      cb.on('command', (u) => expectTypeOf(u).toEqualTypeOf<CommandUpdateEvent>());
      // @ts-expect-error no such client event
      cb.on('changes', () => undefined);
    };
    expectTypeOf(typed).toBeFunction();
  });

  it('token renewal is typed: renew(), renewToken and the auth_* events', () => {
    const typed = (cb: CallbridgeClient): void => {
      expectTypeOf(cb.renew('jwt')).resolves.toEqualTypeOf<RenewResult>();
      expectTypeOf<RenewResult['dropped'][number]['topics']>().toEqualTypeOf<Topic[]>();
      cb.on('auth_expiring', (info) => expectTypeOf(info).toEqualTypeOf<AuthExpiringInfo>());
      cb.on('auth_expired', (error) => expectTypeOf(error).toEqualTypeOf<CallbridgeError>());
      // @ts-expect-error renew() takes a token string, not a provider
      void cb.renew(async () => 'jwt');
    };
    expectTypeOf(typed).toBeFunction();
    expectTypeOf(connect).toBeCallableWith('https://bridge.example/', { token: 'x', tenants: ['acme'], renewToken: async () => 'fresh' });
  });

  it('commands take typed arguments and resolve with typed results', () => {
    const typed = (cb: CallbridgeClient): void => {
      expectTypeOf(cb.command('agent.pause', { queue: '281', agent: '101', reason: 'Lunch' })).resolves.toEqualTypeOf<CommandResult>();
      expectTypeOf(cb.command('dial', { from: '100', to: '33170200258' })).resolves.toHaveProperty('callId').toEqualTypeOf<string | undefined>();
      expectTypeOf(cb.command('callback.request', { popup: 77, number: '33170200258' })).resolves.toHaveProperty('trackingId');
      // @ts-expect-error `agent` is required
      void cb.command('agent.pause', { queue: '281' });
      // @ts-expect-error unknown argument
      void cb.command('hangup', { channel: 'SIP/100-0001', force: true });
      // @ts-expect-error not a command of the protocol
      void cb.command('agent.login', {});
    };
    expectTypeOf(typed).toBeFunction();
  });
});
