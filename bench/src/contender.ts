import type { ScenarioName } from "./run-options.ts";

/** Where the models of a chain live: an OpenAI-compatible base URL, or an in-process fake. */
export interface ModelEndpoint {
  /** OpenAI-compatible base URL, ending in `/v1`. */
  readonly baseURL: string;
  /** A `fetch` that answers in-process instead of the network; the base URL is then only a label. */
  readonly fetch?: typeof fetch;
}

/** A breaker's settings, the same for every system that has one. */
export interface BreakerBudget {
  /** Consecutive failures that open it. */
  readonly failures: number;
  /** How long it stays open before one probe, in ms. */
  readonly halfOpenAfterMs: number;
}

/** What one chain under test is made of. */
export interface ChainSetup {
  readonly endpoint: ModelEndpoint;
  /** The primary model's id. */
  readonly primary: string;
  /** The one fallback's id. */
  readonly backup: string;
  /** The breaker to set where a system has one; `undefined` turns breakers off. */
  readonly breaker: BreakerBudget | undefined;
}

/** One configured chain of one system, ready to call. */
export interface Contender {
  /** One non-streamed completion; resolves with its text. */
  generate(prompt: string): Promise<string>;
  /** One streamed completion; calls `onFirstText` at the first text it yields; resolves with the whole text. */
  stream(prompt: string, onFirstText: () => void): Promise<string>;
  /**
   * Lets go of what the system keeps between requests by design and would
   * send away in production (spans held by an in-memory exporter), before the
   * heap is read.
   */
  release?(): Promise<void>;
}

/** A library users would pick, set up the way its docs say, under the shared budget. */
export interface System {
  /** The name in tables. */
  readonly name: string;
  /** A shorter name for the chart, where the name is too long for its labels. */
  readonly chartName?: string;
  /** npm packages whose versions RESULTS.md reports. */
  readonly packages: readonly string[];
  /** Whether it can fall over to a second model at all (the plain SDK cannot). */
  readonly fallback: boolean;
  /** How its breaker works, or why it has none (shown in the outage table). */
  readonly breaker: { readonly has: boolean; readonly how: string };
  /** What it does when a stream fails after text reached the caller (shown in the streaming table). */
  readonly midStream: string;
  /** Why it cannot run on the in-process fake, when it cannot (Portkey is an HTTP hop by design). */
  readonly notInProcess?: string;
  /** Scenarios it sits out, each with why (shown under that scenario's tables). */
  readonly sitsOut?: { readonly [scenario in ScenarioName]?: string };
  /** Builds a chain. */
  create(setup: ChainSetup): Promise<Contender>;
  /** Stops what the system started (a gateway process). */
  shutdown?(): Promise<void>;
}
