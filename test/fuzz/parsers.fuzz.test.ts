/**
 * Random and adversarial vendor bodies at every parser: each answers data or a PollError (which a
 * poller turns into a failed poll that changes nothing), never another exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PollError } from '../../src/pollers/poll-error.js';
import * as mirta from '../../src/vendors/mirta/parsers.js';
import { parseFrame } from '../../src/vendors/kazoo/wire.js';
import { parseCelPage } from '../../src/vendors/xivo/cel.js';
import { parseList } from '../../src/vendors/xivo/directory.js';
import { mapEtat, parseAppelReply, parseListing } from '../../src/vendors/webappel/parsers.js';
import { vendorBody } from './arbitraries.js';

export const RUNS = 400;

/** Calls `parse`; anything thrown must be a PollError with a message. */
function survives(parse: (body: string) => unknown): (body: string) => void {
  return (body) => {
    try {
      parse(body);
    } catch (err) {
      if (!(err instanceof PollError)) throw err;
      expect(err.message.length).toBeGreaterThan(0);
    }
  };
}

const PARSERS: Record<string, (body: string) => unknown> = {
  'mirta PEERS': mirta.parsePeers,
  'mirta CHANNELS': mirta.parseChannels,
  'mirta BLFS': mirta.parseBlfs,
  'mirta FLOWS': mirta.parseFlows,
  'mirta extensions': mirta.parseExtensions,
  'mirta queue list': mirta.parseQueueList,
  'mirta queue info': mirta.parseQueueInfo,
  'mirta agents': mirta.parseAgents,
  'kazoo blackhole frame': parseFrame,
  'xivo CEL page': parseCelPage,
  'xivo list': (body) => parseList(body, 'queues'),
  'webappel appel reply': parseAppelReply,
  'webappel appel_listing': (body) => parseListing(body, 'appel_listing'),
  'webappel appels_resume': (body) => parseListing(body, 'appels_resume'),
  'webappel etat': mapEtat,
};

describe('vendor parsers under random bodies', () => {
  for (const [name, parse] of Object.entries(PARSERS)) {
    it(`${name}: data or a PollError, never a crash`, () => {
      fc.assert(fc.property(vendorBody, survives(parse)), { numRuns: RUNS });
    });
  }

  it('kazoo frames never throw at all (a bad frame is ignored, not fatal)', () => {
    fc.assert(
      fc.property(vendorBody, (text) => {
        const parsed = parseFrame(text);
        expect(['reply', 'event', 'ignored']).toContain(parsed.kind);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('MiRTA normalizers under random rows', () => {
  const cell = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('', '<unknown>', 'OK (12 ms)', 'UNREACHABLE', '-1', '1e999', '1700000000', 'ACME', '100-ACME', 'SIP/100-ACME-0000001'));
  // Rows as the parser gives them: some of the known columns, each a string.
  const rowOf = (columns: readonly string[]): fc.Arbitrary<Record<string, string>> =>
    fc.dictionary(fc.constantFrom(...columns), cell, { maxKeys: columns.length });
  const ctx = { source: 'fuzz', now: new Date() };

  it('peers, BLFs, flows, channels and extensions normalize any row without throwing', async () => {
    const normalizer = await import('../../src/vendors/mirta/normalizer.js');
    fc.assert(
      fc.property(
        fc.array(rowOf(mirta.PEER_COLUMNS), { maxLength: 20 }),
        fc.array(rowOf(mirta.BLF_COLUMNS), { maxLength: 20 }),
        fc.array(rowOf(mirta.FLOW_COLUMNS), { maxLength: 20 }),
        fc.array(rowOf(mirta.CHANNEL_COLUMNS), { maxLength: 20 }),
        (peers, blfs, flows, channels) => {
          normalizer.normalizePeers(peers, ctx);
          normalizer.normalizeBlfs(blfs, { ...ctx, tenantCode: 'ACME' });
          normalizer.normalizeFlows(flows, ctx);
          normalizer.normalizeExtensions(peers, ctx);
          normalizer.normalizeChannels(channels, new Map(), { ...ctx, tenantCodes: ['ACME', 'GLOBEX'] });
        },
      ),
      { numRuns: RUNS },
    );
  });
});
