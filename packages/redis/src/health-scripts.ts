// Lua scripts, so that each change of a record and its announcement happen as
// one step: no process can read a record that was set but not yet announced,
// and two processes can never both take a probe lease.
//
// A script that raises fails the command, so a script here never raises on
// what it reads: a key may hold anything (an older version, another program,
// a typo in redis-cli). The record it holds is checked as `inspectRecord`
// checks it in TypeScript, and a key that holds none is treated as none.

/**
 * Lua shared by the scripts that read a record:
 * `clean_record(raw, latest)` — the record a stored JSON holds, with its
 * times rounded up to whole ms and clamped to `latest`, or nil when it holds
 * none (decoding under pcall: cjson raises on bad JSON);
 * `ttl_of(record, now, margin, isolated_ttl, cap)` — its lifetime in Redis,
 * as `RedisHealthStore` computes it: whole ms, at least 1, at most `cap`.
 */
const recordHelpers = `
local function clean_record(raw, latest)
  local decoded, record = pcall(cjson.decode, raw)
  if not decoded or type(record) ~= "table" then return nil end
  local states = { closed = true, open = true, half_open = true, isolated = true }
  if type(record.breaker) ~= "string" or not states[record.breaker] then return nil end
  local clean = { breaker = record.breaker }
  for _, field in ipairs({ "reopenAt", "probeLeaseUntil", "cooldownUntil" }) do
    local time = record[field]
    if type(time) ~= "number" or time ~= time or time < 0 or time == math.huge then return nil end
    clean[field] = math.min(math.ceil(time), latest)
  end
  if type(record.cooldownReason) == "string" then clean.cooldownReason = record.cooldownReason end
  if type(record.openedBy) == "string" then clean.openedBy = record.openedBy end
  if clean.breaker == "half_open" and type(record.probeBy) == "string" then clean.probeBy = record.probeBy end
  -- Kept as written (readers check them): the stored form's version, and the latency estimate it may carry.
  if type(record.format) == "number" then clean.format = record.format end
  if type(record.latency) == "table" then clean.latency = record.latency end
  -- Failed probes in a row (format 2): kept when a whole number > 0, as inspectRecord keeps it.
  local failures = record.probeFailures
  if type(failures) == "number" and failures > 0 and failures < 9007199254740992 and failures == math.floor(failures) then
    clean.probeFailures = failures
  end
  return clean
end

local function ttl_of(record, now, margin, isolated_ttl, cap)
  if record.breaker == "isolated" then return isolated_ttl end
  local last = math.max(record.reopenAt, record.probeLeaseUntil, record.cooldownUntil, now)
  return math.max(1, math.min(math.ceil(last - now + margin), cap))
end
`;

/**
 * Sets (or, with a TTL of 0, deletes) a record, keeps the set of model ids
 * with records (so a process that has not seen a model yet can refresh it),
 * and publishes the change. With ARGV[7], only when the key still holds
 * exactly that: the write-back of a repaired record never overwrites a
 * change another process made meanwhile. Returns 1 when written, 0 when not.
 * KEYS[1] record key, KEYS[2] model-id set; ARGV: record JSON, TTL ms,
 * channel, message, model id, set TTL ms, [expected current value].
 */
export const writeRecordScript = `
if ARGV[7] and redis.call("GET", KEYS[1]) ~= ARGV[7] then return 0 end
if ARGV[2] == "0" then
  redis.call("DEL", KEYS[1])
  redis.call("SREM", KEYS[2], ARGV[5])
else
  redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
  redis.call("SADD", KEYS[2], ARGV[5])
  redis.call("PEXPIRE", KEYS[2], ARGV[6])
end
redis.call("PUBLISH", ARGV[3], ARGV[4])
return 1
`;

/**
 * Takes the half-open probe of a model when its record allows one: core's
 * `takeProbe` rule (`open` past `reopenAt`, or `half_open` past the lease),
 * applied atomically in Redis. The process that opened the breaker waits
 * `grace` ms longer, so that another process, whose view may differ, gets
 * the first probe. The lease names its holder (`probeBy`), so that a lease
 * granted too late to be used can be handed back by that holder alone. A key
 * that holds no record is deleted, and announced as healthy. Returns {1,
 * record} when taken, {0, record} when not, {0} when there is no record.
 * KEYS[1] record key, KEYS[2] model-id set; ARGV: now, lease ms, this
 * process, grace ms, channel, model id, latest time allowed, TTL margin ms,
 * isolated TTL ms, TTL cap ms.
 */
export const acquireProbeScript = `${recordHelpers}
local now = tonumber(ARGV[1])
local raw = redis.call("GET", KEYS[1])
if not raw then return {0} end
local record = clean_record(raw, tonumber(ARGV[7]))
if not record then
  redis.call("DEL", KEYS[1])
  redis.call("SREM", KEYS[2], ARGV[6])
  redis.call("PUBLISH", ARGV[5], cjson.encode({ modelId = ARGV[6], record = cjson.null, from = ARGV[3] }))
  return {0}
end
local allowed = (record.breaker == "open" and now >= record.reopenAt)
  or (record.breaker == "half_open" and now >= record.probeLeaseUntil)
if allowed and record.openedBy == ARGV[3] and now < record.reopenAt + tonumber(ARGV[4]) then
  allowed = false
end
if not allowed then return {0, cjson.encode(record)} end
record.breaker = "half_open"
record.probeLeaseUntil = now + tonumber(ARGV[2])
record.probeBy = ARGV[3]
local out = cjson.encode(record)
redis.call("SET", KEYS[1], out, "PX", ttl_of(record, now, tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])))
redis.call("PUBLISH", ARGV[5], cjson.encode({ modelId = ARGV[6], record = record, from = ARGV[3] }))
return {1, out}
`;

/**
 * Hands back a probe lease nobody will use (granted after the caller had
 * stopped waiting): the record goes back to `open`, due at once, with no
 * lease, so that the next process may probe. Only while the lease is still
 * the one granted to this holder: a lease that ran out and went to another
 * process, or a record changed since, is left alone. Returns {1, record}
 * when handed back, {0} when not.
 * KEYS[1] record key; ARGV: holder, lease end granted, channel, model id,
 * now, latest time allowed, TTL margin ms, isolated TTL ms, TTL cap ms.
 */
export const releaseProbeScript = `${recordHelpers}
local raw = redis.call("GET", KEYS[1])
if not raw then return {0} end
local record = clean_record(raw, tonumber(ARGV[6]))
if not record or record.breaker ~= "half_open" or record.probeBy ~= ARGV[1]
  or record.probeLeaseUntil ~= tonumber(ARGV[2]) then
  return {0}
end
local now = tonumber(ARGV[5])
record.breaker = "open"
record.reopenAt = math.min(record.reopenAt, now)
record.probeLeaseUntil = 0
record.probeBy = nil
local out = cjson.encode(record)
redis.call("SET", KEYS[1], out, "PX", ttl_of(record, now, tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])))
redis.call("PUBLISH", ARGV[3], cjson.encode({ modelId = ARGV[4], record = record, from = ARGV[1] }))
return {1, out}
`;

/**
 * Keeps a model's shared latencies and announces them, as one step.
 * KEYS[1] latency key; ARGV: latencies JSON, TTL ms, channel, message.
 */
export const shareLatencyScript = `
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
redis.call("PUBLISH", ARGV[3], ARGV[4])
return 1
`;
