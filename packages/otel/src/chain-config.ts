import type { Fallback, FallbackOptions } from "@understudy/core";

/** What the instrumentation needs of a chain's configuration. */
export interface ChainConfig {
  /** The chain's `deadlineMs`, when it has one (a call's own `deadlineMs` overrides it). */
  readonly deadlineMs: number | undefined;
  /** Whether a model (by chain id) has a price; `undefined` when that cannot be told. */
  readonly isPriced: ((model: string) => boolean) | undefined;
}

/**
 * Reads what `Fallback` does not expose but the instrumentation needs: the
 * chain's deadline (to end the trace of a stream dropped mid-read once that
 * deadline is long past) and which models have a price (to share the wasted
 * cost only among them). Both come from the options the chain was created
 * with, which the chain keeps (privately) as given. A chain that keeps them
 * otherwise reads as having neither: no sweep for chain-level deadlines, and
 * waste shared by tokens among every model, as without prices.
 */
export function chainConfigOf(chain: Fallback): ChainConfig {
  const options = (chain as unknown as { readonly options?: Partial<FallbackOptions> }).options;
  const deadlineMs = typeof options?.deadlineMs === "number" ? finiteDeadline(options.deadlineMs) : undefined;
  if (!Array.isArray(options?.models)) return { deadlineMs, isPriced: undefined };
  const priced = new Set<string>();
  for (const entry of options.models) {
    if (!entry?.price) continue;
    const id = entry.id ?? `${entry.model?.provider}:${entry.model?.modelId}`;
    priced.add(id);
  }
  return { deadlineMs, isPriced: (model) => priced.has(model) };
}

/** A deadline in ms, or `undefined` for none (`Infinity` lifts a deadline, in the chain's options and a call's alike). */
export function finiteDeadline(ms: number | undefined): number | undefined {
  return ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
