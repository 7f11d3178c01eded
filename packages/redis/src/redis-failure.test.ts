import { ReplyError } from "ioredis";
import { describe, expect, it } from "vitest";
import { connectionSecrets, describeFailure } from "./redis-failure.ts";

describe("the degraded event's text", () => {
  it("names a command Redis refused apart from a Redis it cannot reach", () => {
    expect(describeFailure(new ReplyError("ERR value is not an integer or out of range"), [])).toMatch(
      /^Redis command failed: ERR value is not an integer or out of range; .*retried at the next refresh$/,
    );
    expect(describeFailure(new Error("connect ECONNREFUSED 127.0.0.1:6379"), [])).toMatch(
      /^Redis unreachable: connect ECONNREFUSED 127\.0\.0\.1:6379; /,
    );
  });

  it("never shows a password: the connection's own, as written or percent-decoded, or any URL's credentials", () => {
    const url = "redis://app:p%40ss-w0rd@cache.internal:6379/0";
    const secrets = connectionSecrets(url);
    const text = describeFailure(
      new Error(`cannot reach ${url}; AUTH p@ss-w0rd refused; also tried rediss://ops:other-secret@backup:6380`),
      secrets,
    );
    expect(text).not.toMatch(/p%40ss-w0rd|p@ss-w0rd|other-secret/);
    expect(text).toContain("redis://[redacted]@cache.internal:6379/0");
    expect(connectionSecrets({ host: "cache", password: "hunter22" })).toEqual(["hunter22"]);
    expect(describeFailure(new ReplyError("WRONGPASS hunter22"), ["hunter22"])).not.toContain("hunter22");
  });

  it("is bounded, whatever the error says", () => {
    expect(describeFailure(new Error("x".repeat(100_000)), []).length).toBeLessThan(500);
  });
});
