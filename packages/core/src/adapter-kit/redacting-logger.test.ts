import { describe, expect, it } from "vitest";
import { redactingLogger } from "./redacting-logger.ts";

describe("redactingLogger", () => {
  it("redacts strings, errors and the strings inside arrays and plain objects, at every level", () => {
    const key = "sk-proj-SENTINEL0123456789abcdefXYZ";
    const middle = key.slice(12, 24);
    const lines: unknown[][] = [];
    const record = (...args: unknown[]) => lines.push(args);
    let secrets: string[] = [];
    const logger = redactingLogger({ error: record, warn: record, info: record, debug: record }, () => secrets);
    secrets = [key];
    logger.error(`Could not parse message into JSON: {"message":"${middle}`, ["raw", `data: ${middle}`], 7);
    logger.warn({ body: { text: middle } }, new Error(`key ${middle}`));
    expect(lines[0]).toEqual(['Could not parse message into JSON: {"message":"[redacted]', ["raw", "data: [redacted]"], 7]);
    expect(lines[1]?.[0]).toEqual({ body: { text: "[redacted]" } });
    const loggedError = lines[1]?.[1] as Error | undefined;
    expect(loggedError?.message).toBe("key [redacted]");
  });
});
