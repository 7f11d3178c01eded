import { describe, expect, it } from "vitest";
import { parseRunOptions, scenarioNames } from "./run-options.ts";

describe("parseRunOptions", () => {
  it("runs every scenario at full size into bench/ by default", () => {
    const options = parseRunOptions([]);
    expect(options.quick).toBe(false);
    expect(options.scenarios).toEqual(scenarioNames);
    expect(options.sizes.outageMs).toBe(60_000);
    expect(options.sizes.heapRequests).toBe(100_000);
    expect(options.outDir.pathname).toMatch(/\/bench\/$/);
  });

  it("shrinks the counts and writes aside with --quick, and takes a shorter outage", () => {
    const options = parseRunOptions(["--quick", "--outage-seconds", "5", "--only", "outage,heap"]);
    expect(options.sizes.outageMs).toBe(5_000);
    expect(options.sizes.heapRequests).toBeLessThan(10_000);
    expect(options.scenarios).toEqual(["outage", "heap"]);
    expect(options.outDir.pathname).toMatch(/\/bench\/results\/$/);
  });

  it("takes the hedging scenario's share of slow first tokens", () => {
    expect(parseRunOptions([]).sizes.hedging.slowShare).toBe(0.1);
    const options = parseRunOptions(["--quick", "--slow-share", "0.25", "--only", "hedging"]);
    expect(options.sizes.hedging).toMatchObject({ slowShare: 0.25, requests: 40 });
    expect(options.scenarios).toEqual(["hedging"]);
  });

  it("names the flag and shows the usage for bad input", () => {
    expect(() => parseRunOptions(["--only", "overhead,speed"])).toThrow(/--only: unknown scenario "speed"[\s\S]*pnpm bench/);
    expect(() => parseRunOptions(["--outage-seconds", "soon"])).toThrow(
      /--outage-seconds must be a number of seconds ≥ 1, got "soon"/,
    );
    expect(() => parseRunOptions(["--slow-share", "10%"])).toThrow(/--slow-share must be a share from 0 to 1, got "10%"/);
    expect(() => parseRunOptions(["--fast"])).toThrow(/fast/);
  });
});
