import { RequestError } from "../errors/request-error.ts";
import { describeValue } from "./duration.ts";

/**
 * The bounds of a call's `tags`: at most 32 tags, keys of 1 to 64 characters,
 * values of at most 256. Tags are copied into every record a request log
 * writes and onto every span a tracer makes, so an unbounded map from a
 * careless caller (a whole user object) would cost every sink.
 */
export const tagLimits = Object.freeze({ maxTags: 32, maxKeyLength: 64, maxValueLength: 256 });

/** Throws a {@link RequestError} naming `options.tags` (or the tag) unless `tags` is a bounded map of strings. */
export function validateTags(tags: unknown): asserts tags is Readonly<Record<string, string>> {
  if (typeof tags !== "object" || tags === null || Array.isArray(tags)) {
    throw new RequestError(
      "options.tags",
      `must be an object of string values, got ${describeValue(tags)}`,
      'pass e.g. `{ feature: "search", tenant: "acme" }`',
    );
  }
  const entries = Object.entries(tags);
  if (entries.length > tagLimits.maxTags) {
    throw new RequestError(
      "options.tags",
      `has ${entries.length} tags, more than ${tagLimits.maxTags}`,
      "keep tags for the few dimensions you filter by (feature, tenant, route)",
    );
  }
  for (const [key, value] of entries) checkTag(key, value);
}

function checkTag(key: string, value: unknown): void {
  if (key.length === 0) throw new RequestError("options.tags", "has an empty key", "name each tag");
  if (key.length > tagLimits.maxKeyLength) {
    throw new RequestError(
      "options.tags",
      `has a key of ${key.length} characters (${describeValue(key.slice(0, 20))}…), more than ${tagLimits.maxKeyLength}`,
      "use a short name for the dimension",
    );
  }
  if (typeof value !== "string") {
    throw new RequestError(`options.tags.${key}`, `must be a string, got ${describeValue(value)}`, "pass `String(value)`");
  }
  if (value.length > tagLimits.maxValueLength) {
    throw new RequestError(
      `options.tags.${key}`,
      `is ${value.length} characters, more than ${tagLimits.maxValueLength}`,
      "tag with an id or a category, not with content",
    );
  }
}
