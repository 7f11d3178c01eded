import { inspect } from "node:util";

/**
 * Where `secret` appears in `values`, each fully inspected (`util.inspect` at
 * any depth, hidden fields and error causes included): the indexes of the
 * values that contain it. Empty when it appears nowhere.
 *
 * With `minFragment`, it also looks for every piece of the secret that many
 * characters long (a value holding a longer piece holds these too): a
 * provider may echo a key without its prefix, or only a part of it.
 */
export function findSecret(
  secret: string,
  values: readonly unknown[],
  options: { readonly minFragment?: number } = {},
): number[] {
  const pieces = piecesOf(secret, options.minFragment);
  const found: number[] = [];
  values.forEach((value, index) => {
    const text =
      typeof value === "string" ? value : inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true });
    if (pieces.some((piece) => text.includes(piece))) found.push(index);
  });
  return found;
}

function piecesOf(secret: string, length: number | undefined): string[] {
  if (length === undefined || length >= secret.length) return [secret];
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`minFragment must be a whole number ≥ 1, got ${length}`);
  return Array.from({ length: secret.length - length + 1 }, (_, start) => secret.slice(start, start + length));
}

/** A logger in the shape both SDKs take (`logger` option). */
export interface CapturingLogger {
  /** Records an error line. */
  error(...args: unknown[]): void;
  /** Records a warning line. */
  warn(...args: unknown[]): void;
  /** Records an info line. */
  info(...args: unknown[]): void;
  /** Records a debug line. */
  debug(...args: unknown[]): void;
}

/** What {@link captureConsole} returns. */
export interface ConsoleCapture {
  /** Every line written so far, objects printed in full. */
  readonly lines: string[];
  /** A logger that writes into {@link ConsoleCapture.lines}. */
  readonly logger: CapturingLogger;
  /** Gives `console` its methods back. */
  readonly stop: () => void;
}

/**
 * Captures everything written through `console` until `stop()` is called, and
 * everything written to `logger` (give it to an SDK client: the SDKs bind
 * console's methods when a client is made, so a later capture misses them).
 */
export function captureConsole(): ConsoleCapture {
  const lines: string[] = [];
  const record = (...args: unknown[]) => {
    lines.push(args.map((arg) => (typeof arg === "string" ? arg : inspect(arg, { depth: Number.POSITIVE_INFINITY }))).join(" "));
  };
  const methods = ["log", "info", "warn", "error", "debug", "trace"] as const;
  const originals = methods.map((method) => console[method]);
  for (const method of methods) console[method] = record;
  return {
    lines,
    logger: { error: record, warn: record, info: record, debug: record },
    stop: () => {
      methods.forEach((method, index) => {
        console[method] = originals[index] as (typeof console)[typeof method];
      });
    },
  };
}
