// Lua scripts, so that each change of a record and its announcement happen as
// one step: no process can read a record that was set but not yet announced,
// and two processes can never both take a probe lease.

/**
 * Sets (or, with a TTL of 0, deletes) a record, keeps the set of model ids
 * with records (so a process that has not seen a model yet can refresh it),
 * and publishes the change.
 * KEYS[1] record key, KEYS[2] model-id set; ARGV: record JSON, TTL ms,
 * channel, message, model id, set TTL ms.
 */
export const writeRecordScript = `
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
 * applied atomically in Redis. The process that opened
 * the breaker waits `grace` ms longer, so that another process, whose view
 * may differ, gets the first probe. Returns {1, record} when taken, {0,
 * record} when not, {0} when there is no record (the model is healthy).
 * KEYS[1] record key; ARGV: now, lease ms, this process, grace ms, channel,
 * model id, TTL ms.
 */
export const acquireProbeScript = `
local raw = redis.call("GET", KEYS[1])
if not raw then return {0} end
local record = cjson.decode(raw)
local now = tonumber(ARGV[1])
local allowed = (record.breaker == "open" and now >= record.reopenAt)
  or (record.breaker == "half_open" and now >= record.probeLeaseUntil)
if allowed and record.openedBy == ARGV[3] and now < record.reopenAt + tonumber(ARGV[4]) then
  allowed = false
end
if not allowed then return {0, raw} end
record.breaker = "half_open"
record.probeLeaseUntil = now + tonumber(ARGV[2])
local out = cjson.encode(record)
redis.call("SET", KEYS[1], out, "PX", ARGV[7])
redis.call("PUBLISH", ARGV[5], cjson.encode({ modelId = ARGV[6], record = record, from = ARGV[3] }))
return {1, out}
`;
