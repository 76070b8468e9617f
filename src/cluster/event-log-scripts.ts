/**
 * The event log's Lua. Numbering, storing, trimming and announcing a batch is ONE script, so
 * two nodes appending to one tenant at once can neither share a `seq` nor leave a gap, and every
 * node hears of a batch only once it is readable with XRANGE.
 *
 * Numbers cross the Lua boundary as strings formatted with `%d`: Lua 5.1 numbers are doubles, and
 * Redis turns a bare Lua number into `1e+15`-style text beyond 14 digits.
 */
import { LuaScript } from './lua-script.js';

/** Arguments per event in APPEND's ARGV, after the fixed ones, before its mirror copies. */
export const APPEND_ARGS_PER_EVENT = 6;
/** Arguments per mirror copy of one event. */
export const APPEND_ARGS_PER_COPY = 3;
/** APPEND's fixed ARGV before the per-event ones. */
export const APPEND_FIXED_ARGS = 13;

/**
 * KEYS: seq, log (stream), applied, then one state hash per topic of the batch, then (with a
 *   mirror) the mirror stream.
 * ARGV: tenant, now (ms), maxEvents, maxAgeMs, floor, idleExpireMs, feed channel ('' = none),
 *   writeState ('1'/'0'), n, mirror maxLen ('0' = no mirror), mirror uid, nsp, type; then per
 *   event: draft JSON, state key index (1-based among the state hashes), entity key, removed
 *   ('1'/'0'), entity JSON, m (mirror copies), then per copy: rooms, head, tail.
 * Returns { first seq, events held after trimming }.
 *
 * The new `seq` is the highest of: the counter, the caller's floor (the highest seq that node
 * has seen, so a Redis that lost its data does not hand out old numbers again while a node
 * remembers them) and the stream's last entry. Entries are `<seq>-0` so that `since` is a
 * plain XRANGE; their `t` field is the appender's clock, used for `maxAgeMs`.
 *
 * The mirror: each event may also be XADDed to a second stream, as entries `uid nsp type r
 * data` whose `data` is `head .. seq .. tail` (the caller builds the text around the number it
 * cannot know). In cluster mode that stream is the socket.io adapter's, so the broadcast of an
 * event is written in the same atomic step that numbers it: the stream holds every tenant's
 * events in `seq` order whichever nodes appended them (server/cluster-broadcast.ts).
 */
export const APPEND = new LuaScript(
  'append',
  `
local seqKey, logKey, appliedKey = KEYS[1], KEYS[2], KEYS[3]
local tenant = ARGV[1]
local now = tonumber(ARGV[2])
local maxEvents = tonumber(ARGV[3])
local maxAge = tonumber(ARGV[4])
local floor = tonumber(ARGV[5])
local idleExpire = ARGV[6]
local channel = ARGV[7]
local writeState = ARGV[8] == '1'
local n = tonumber(ARGV[9])
local mirrorMax = ARGV[10]
local mirrorKey = KEYS[#KEYS]

local cur = tonumber(redis.call('GET', seqKey) or '0') or 0
if cur < floor then cur = floor end
local top = redis.call('XREVRANGE', logKey, '+', '-', 'COUNT', 1)[1]
if top then
  local topSeq = tonumber(string.match(top[1], '^(%d+)'))
  if topSeq > cur then cur = topSeq end
end
local last = cur + n
redis.call('SET', seqKey, string.format('%d', last))

local drafts = {}
local a = ${APPEND_FIXED_ARGS}
for i = 1, n do
  local seq = string.format('%d', cur + i)
  drafts[i] = ARGV[a + 1]
  redis.call('XADD', logKey, seq .. '-0', 't', ARGV[2], 'd', ARGV[a + 1])
  if writeState then
    local hash = KEYS[3 + tonumber(ARGV[a + 2])]
    if ARGV[a + 4] == '1' then
      redis.call('HDEL', hash, ARGV[a + 3])
    else
      redis.call('HSET', hash, ARGV[a + 3], ARGV[a + 5])
    end
  end
  local copies = tonumber(ARGV[a + 6])
  a = a + ${APPEND_ARGS_PER_EVENT}
  for c = 1, copies do
    redis.call('XADD', mirrorKey, 'MAXLEN', '~', mirrorMax, '*', 'uid', ARGV[11], 'nsp', ARGV[12], 'type', ARGV[13],
      'r', ARGV[a + 1], 'data', ARGV[a + 2] .. seq .. ARGV[a + 3])
    a = a + ${APPEND_ARGS_PER_COPY}
  end
end
if writeState then redis.call('SET', appliedKey, string.format('%d', last)) end

if redis.call('XLEN', logKey) > maxEvents then
  redis.call('XTRIM', logKey, 'MAXLEN', maxEvents)
end
-- Age: drop the head while older than maxAge; entries are in append order, so stop at the first
-- young one. Amortized O(1): each entry is looked at once more than it is kept.
local cutoff = now - maxAge
while true do
  local head = redis.call('XRANGE', logKey, '-', '+', 'COUNT', 64)
  if #head == 0 then break end
  local keep = nil
  local expired = 0
  for _, entry in ipairs(head) do
    if tonumber(entry[2][2]) >= cutoff then
      keep = entry[1]
      break
    end
    expired = expired + 1
  end
  if expired == 0 then break end
  local minid = keep or string.format('%d-0', tonumber(string.match(head[#head][1], '^(%d+)')) + 1)
  redis.call('XTRIM', logKey, 'MINID', minid)
  if keep then break end
end
-- A tenant that goes quiet for longer than maxAge holds nothing replayable: let the key go.
redis.call('PEXPIRE', logKey, idleExpire)

if channel ~= '' then
  redis.call('PUBLISH', channel, '{"tenant":' .. cjson.encode(tenant) .. ',"first":' .. string.format('%d', cur + 1) ..
    ',"events":[' .. table.concat(drafts, ',') .. ']}')
end
return { cur + 1, redis.call('XLEN', logKey) }
`,
);
