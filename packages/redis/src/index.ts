/**
 * `@understudy/redis`: model health shared across processes through Redis,
 * so a breaker that opens in one replica is honoured by all of them.
 *
 * @packageDocumentation
 */
export { RedisHealthStore, type RedisHealthStoreOptions } from "./redis-health-store.ts";
