import { redactedError } from "./adapter-failure.ts";
import { redactSecrets } from "./redact-secrets.ts";

/** The logger shape both SDKs take (their `logger` client option), and `console` has. */
export interface SdkLogger {
  /** Logs an error. */
  error(...args: unknown[]): void;
  /** Logs a warning. */
  warn(...args: unknown[]): void;
  /** Logs information. */
  info(...args: unknown[]): void;
  /** Logs a debug line. */
  debug(...args: unknown[]): void;
}

/** How deep inside arrays and plain objects an argument's strings are redacted. */
const maxDepth = 4;

/**
 * A logger that writes to `logger` with every secret redacted (see
 * {@link redactSecrets}): strings, errors (replaced by a redacted copy), and
 * the strings inside arrays and plain objects. The SDKs log what a provider
 * sent — Anthropic's quotes a chunk it cannot parse — and a proxy may have
 * echoed the key into it. `secrets` is read at each line, so a key the client
 * found in the environment later is covered too.
 */
export function redactingLogger(logger: SdkLogger, secrets: () => readonly (string | undefined)[]): SdkLogger {
  const write =
    (level: keyof SdkLogger) =>
    (...args: unknown[]) => {
      const keys = secrets();
      logger[level](...args.map((arg) => redactArgument(arg, keys, maxDepth)));
    };
  return { error: write("error"), warn: write("warn"), info: write("info"), debug: write("debug") };
}

function redactArgument(value: unknown, secrets: readonly (string | undefined)[], depth: number): unknown {
  if (typeof value === "string") return redactSecrets(value, secrets);
  if (value instanceof Error) return redactedError(value, secrets);
  if (depth === 0 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => redactArgument(item, secrets, depth - 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactArgument(item, secrets, depth - 1)]));
}
