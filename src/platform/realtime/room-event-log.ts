import type { Redis, RedisKeys } from '../redis/redis';
import { RedisScript } from './redis-script';

/**
 * One recorded event: `id` is unique and increasing across every room, `seq` holds the event's
 * sequence number in each room it was sent to, `at` is Redis' clock in milliseconds.
 */
export interface LogEnvelope<B = unknown> {
  id: number;
  at: number;
  seq: Record<string, number>;
  body: B;
}

export type ReplayResult<B = unknown> =
  | { kind: 'events'; current: number; entries: Array<LogEnvelope<B>> }
  | { kind: 'resync'; current: number; reason: 'retention_exceeded' | 'unknown_sequence' };

/*
 * Appends one event to several rooms in one atomic step: a global id, the next sequence number
 * of each room, the entry in each room's replay list (trimmed by age and length), and the
 * PUBLISH that API instances deliver from. Because the script is atomic, every subscriber sees
 * a room's events in sequence order and the replay list never disagrees with what went live.
 * List entries are "<seq> <at> <envelope>" so trimming and indexing need no JSON parsing.
 *
 * KEYS: [idKey, seqKey1, bufKey1, seqKey2, bufKey2, …]
 * ARGV: [channel, retentionMs, maxLen, seqTtlSeconds, bodyJson, room1, room2, …]
 */
const appendScript = new RedisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local retention = tonumber(ARGV[2])
local maxLen = tonumber(ARGV[3])
local id = redis.call('INCR', KEYS[1])
local n = (#KEYS - 1) / 2
local seqs = {}
local parts = {}
for i = 1, n do
  local seq = redis.call('INCR', KEYS[2 * i])
  redis.call('EXPIRE', KEYS[2 * i], ARGV[4])
  seqs[i] = seq
  parts[i] = cjson.encode(ARGV[5 + i]) .. ':' .. seq
end
local envelope = '{"id":' .. id .. ',"at":' .. now .. ',"seq":{' .. table.concat(parts, ',') .. '},"body":' .. ARGV[5] .. '}'
for i = 1, n do
  local buf = KEYS[2 * i + 1]
  redis.call('RPUSH', buf, seqs[i] .. ' ' .. now .. ' ' .. envelope)
  while true do
    local head = redis.call('LINDEX', buf, 0)
    if not head then break end
    local at = tonumber(string.match(head, '^%d+ (%d+) '))
    if at and at < now - retention then redis.call('LPOP', buf) else break end
  end
  redis.call('LTRIM', buf, -maxLen, -1)
  redis.call('PEXPIRE', buf, retention + 1000)
end
redis.call('PUBLISH', ARGV[1], envelope)
return envelope
`);

/*
 * What a room holds after a given sequence number, or why it cannot say (trimmed by age or
 * length, or a sequence the room never reached).
 * KEYS: [seqKey, bufKey]  ARGV: [afterSeq, retentionMs]
 * Returns {current, 'ok', entries} | {current, 'retention_exceeded' | 'unknown_sequence'}
 */
const replayScript = new RedisScript(`
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local after = tonumber(ARGV[1])
if after > current then return {current, 'unknown_sequence'} end
if after == current then return {current, 'ok', {}} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local retention = tonumber(ARGV[2])
while true do
  local head = redis.call('LINDEX', KEYS[2], 0)
  if not head then break end
  local at = tonumber(string.match(head, '^%d+ (%d+) '))
  if at and at < now - retention then redis.call('LPOP', KEYS[2]) else break end
end
local head = redis.call('LINDEX', KEYS[2], 0)
if not head then return {current, 'retention_exceeded'} end
local headSeq = tonumber(string.match(head, '^(%d+) '))
if headSeq > after + 1 then return {current, 'retention_exceeded'} end
return {current, 'ok', redis.call('LRANGE', KEYS[2], after + 1 - headSeq, -1)}
`);

const SEQ_TTL_SECONDS = 30 * 86400;

/**
 * A per-room, sequenced, replayable event log in Redis, and the pub/sub channel the API
 * instances deliver from. Any process (API or worker) can append; every API instance subscribed
 * to `channel` receives each entry exactly once.
 */
export class RoomEventLog {
  readonly channel: string;
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly opts: { retentionMs: number; maxEvents: number },
  ) {
    this.channel = keys.key('rt', 'events');
  }

  async append<B extends object>(rooms: string[], body: B): Promise<LogEnvelope<B>> {
    const unique = [...new Set(rooms)];
    if (unique.length === 0) throw new Error('an event needs at least one room');
    const keys = [this.keys.key('rt', 'id')];
    for (const room of unique) keys.push(this.seqKey(room), this.bufKey(room));
    const raw = await appendScript.run(this.redis, keys, [
      this.channel,
      this.opts.retentionMs,
      this.opts.maxEvents,
      SEQ_TTL_SECONDS,
      JSON.stringify(body),
      ...unique,
    ]);
    return parseEnvelope<B>(String(raw));
  }

  /** Events of `room` after `afterSeq`, oldest first, or a resync verdict. */
  async replay<B = unknown>(room: string, afterSeq: number): Promise<ReplayResult<B>> {
    const raw = (await replayScript.run(
      this.redis,
      [this.seqKey(room), this.bufKey(room)],
      [Math.max(0, Math.floor(afterSeq)), this.opts.retentionMs],
    )) as [number, string, string[]?];
    const [current, verdict, entries] = raw;
    if (verdict !== 'ok') {
      return { kind: 'resync', current, reason: verdict as 'retention_exceeded' | 'unknown_sequence' };
    }
    return { kind: 'events', current, entries: (entries ?? []).map((e) => parseEntry<B>(e)) };
  }

  /** The current sequence number of each room (0 for a room that never had an event). */
  async current(rooms: string[]): Promise<Record<string, number>> {
    if (rooms.length === 0) return {};
    const values = await this.redis.mget(...rooms.map((r) => this.seqKey(r)));
    return Object.fromEntries(rooms.map((r, i) => [r, Number(values[i] ?? 0)]));
  }

  private seqKey(room: string): string {
    return this.keys.key('rt', 'seq', room);
  }
  private bufKey(room: string): string {
    return this.keys.key('rt', 'buf', room);
  }
}

export function parseEnvelope<B>(raw: string): LogEnvelope<B> {
  return JSON.parse(raw) as LogEnvelope<B>;
}

function parseEntry<B>(entry: string): LogEnvelope<B> {
  // "<seq> <at> <envelope>"
  const first = entry.indexOf(' ');
  const second = entry.indexOf(' ', first + 1);
  return parseEnvelope<B>(entry.slice(second + 1));
}
