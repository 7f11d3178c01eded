import type { ProviderMetadata } from "@understudy/core/adapter";
import { isRecord } from "./is-record.ts";

/**
 * The provider facts of a part (`{ google: { thoughtSignature } }`), kept
 * only in the shape the engine carries (a record of records); `undefined`
 * for none, or for anything else a model sent.
 */
export function providerMetadataOf(value: unknown): ProviderMetadata | undefined {
  if (!isRecord(value)) return undefined;
  const entries = Object.entries(value).filter((entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]));
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
