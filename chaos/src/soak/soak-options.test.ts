import { describe, expect, it } from "vitest";
import { parseSoakOptions, SoakUsageError, usage } from "./soak-options.ts";

const fixedSeed = () => 7;

describe("pnpm soak flags", () => {
  it("has defaults that fit a CI minute", () => {
    expect(parseSoakOptions([], fixedSeed)).toEqual({ requests: 3_000, seconds: 45, concurrency: 16, seed: 7, help: false });
  });

  it("reads every flag, in either form", () => {
    expect(parseSoakOptions(["--requests", "10", "--seconds=5", "--concurrency", "2", "--seed", "42"], fixedSeed)).toEqual({
      requests: 10,
      seconds: 5,
      concurrency: 2,
      seed: 42,
      help: false,
    });
    expect(parseSoakOptions(["-h"], fixedSeed).help).toBe(true);
  });

  it.each([
    [["--requests", "0"], "--requests"],
    [["--requests", "ten"], "--requests"],
    [["--requests", "1.5"], "--requests"],
    [["--requests", ""], "--requests"],
    [["--seconds", "-1"], "--seconds"],
    [["--concurrency", "0"], "--concurrency"],
    [["--concurrency", "1e9"], "--concurrency"],
    [["--seed", "-3"], "--seed"],
    [["--seed", "4294967296"], "--seed"],
    [["--requets", "10"], "--requets"],
    [["--requests"], "--requests"],
    [["extra"], "extra"],
  ])("refuses %j, naming %s and showing the usage", (args, flag) => {
    let error: unknown;
    try {
      parseSoakOptions(args, fixedSeed);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SoakUsageError);
    expect((error as Error).message).toContain(flag);
    expect((error as Error).message).toContain(usage);
  });
});
