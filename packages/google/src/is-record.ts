/** True for a non-null object that is not an array: the only shape a JSON object field may have. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
