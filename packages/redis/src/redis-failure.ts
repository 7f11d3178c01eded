import { type RedisOptions, ReplyError } from "ioredis";

/** Longest failure text kept in an event: enough for any Redis error, bounded whatever a server sends. */
const maxReasonLength = 300;

/** `scheme://user:password@` in any URL a message may quote. */
const urlCredentials = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi;

/**
 * The `degraded` event's text for a failure: "Redis command failed: …" when
 * Redis answered with an error (it is up, and the store retries sharing at
 * its next refresh), "Redis unreachable: …" when it could not be reached.
 * Credentials are removed: `secrets` (the connection's passwords) and any
 * URL's `user:password@`.
 */
export function describeFailure(error: unknown, secrets: readonly string[]): string {
  const commandFailed = error instanceof ReplyError;
  const text = error instanceof Error ? error.message : String(error);
  const reason = redactCredentials(text, secrets).slice(0, maxReasonLength);
  return commandFailed
    ? `Redis command failed: ${reason}; model health is local to this process, and sharing is retried at the next refresh`
    : `Redis unreachable: ${reason}; model health is local to this process until it is back`;
}

/**
 * `text` without the connection's credentials. Every non-empty secret goes,
 * however short: a message made ugly by a one-letter password is better
 * than one that shows it.
 */
export function redactCredentials(text: string, secrets: readonly string[]): string {
  let clean = text.replace(urlCredentials, "$1[redacted]@");
  for (const secret of secrets) if (secret) clean = clean.split(secret).join("[redacted]");
  return clean;
}

/** The passwords a connection's settings carry, as written and as percent-decoded from a URL. */
export function connectionSecrets(redis: string | RedisOptions): string[] {
  if (typeof redis !== "string") return [redis.password, redis.sentinelPassword].filter((s): s is string => !!s);
  try {
    const { password } = new URL(redis);
    return password ? [password, safeDecode(password)] : [];
  } catch {
    // Not a URL ioredis would parse either; whatever it holds after "//" and before "@" is what could be a secret.
    const userinfo = /\/\/([^@/]*)@/.exec(redis)?.[1];
    return userinfo ? [userinfo, userinfo.slice(userinfo.indexOf(":") + 1)] : [];
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
