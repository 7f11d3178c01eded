import { AsyncLocalStorage } from "node:async_hooks";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { Attributes } from "@opentelemetry/api";
import { generalAttr } from "../conventions/gen-ai.ts";

/** Where an attempt's HTTP call went (`server.address`, `server.port`). */
export interface ServerAddress {
  /** The host name or IP address. */
  readonly address: string;
  /** The port, the scheme's default when the URL has none. */
  readonly port: number;
}

/** Told of the server an attempt's HTTP call went to. */
export type ServerListener = (server: ServerAddress) => void;

// Node's fetch (undici) announces each request it creates on this channel,
// synchronously, inside the async context of the code that called fetch: the
// adapter's SDK call, which runs inside `withServerListener` below.
const requestCreated = "undici:request:create";
const listeners = new AsyncLocalStorage<readonly ServerListener[]>();
let subscriptions = 0;

function onRequestCreated(message: unknown): void {
  const notify = listeners.getStore();
  if (!notify) return;
  try {
    const origin = (message as { request?: { origin?: unknown } }).request?.origin;
    const server = typeof origin === "string" || origin instanceof URL ? serverOf(origin) : undefined;
    if (server) for (const listener of notify) listener(server);
  } catch {
    // An origin we cannot read leaves the attempt without an address, nothing more.
  }
}

/** The address and port of an origin (`https://api.openai.com` → api.openai.com, 443). */
export function serverOf(origin: string | URL): ServerAddress | undefined {
  const url = new URL(origin);
  if (url.hostname === "") return undefined;
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : url.protocol === "http:" ? 80 : undefined) : Number(url.port);
  if (port === undefined) return undefined;
  // IPv6 hosts come bracketed in URLs; server.address wants the address alone.
  return { address: url.hostname.replace(/^\[(.*)\]$/, "$1"), port };
}

/**
 * Starts watching the HTTP requests that fetch-based SDKs make (the OpenAI,
 * Anthropic and Google ones all do); returns a function that stops. Costs
 * nothing to requests made outside `withServerListener`.
 */
export function watchServerAddresses(): () => void {
  if (subscriptions++ === 0) subscribe(requestCreated, onRequestCreated);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    if (--subscriptions === 0) unsubscribe(requestCreated, onRequestCreated);
  };
}

/**
 * Forwards the servers an attempt's HTTP calls go to, until {@link stop}. The
 * async context of whatever the adapter's call starts (a timer, a pooled
 * connection) keeps {@link listener}, and with it this watch, for as long as
 * it lives: once stopped, the watch holds nothing of the attempt, and a fetch
 * made later in that context is ignored.
 */
export class ServerWatch {
  private target: ServerListener | undefined;

  /** @param target - told of each server, until stopped */
  constructor(target: ServerListener) {
    this.target = target;
  }

  /** What to run the attempt's call with (see {@link withServerListener}). */
  readonly listener: ServerListener = (server) => this.target?.(server);

  /** Stops forwarding, and lets go of the target. */
  stop(): void {
    this.target = undefined;
  }
}

/** Runs `call` so that the HTTP requests it makes are reported to `listener` (nested calls report to every listener). */
export function withServerListener<T>(listener: ServerListener, call: () => T): T {
  return listeners.run([...(listeners.getStore() ?? []), listener], call);
}

/** `server.address` and `server.port`, when known. */
export function serverAttributes(server: ServerAddress | undefined): Attributes {
  return server ? { [generalAttr.serverAddress]: server.address, [generalAttr.serverPort]: server.port } : {};
}
