import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { instrumentationScope } from "./scope.ts";

describe("instrumentation scope", () => {
  it("names the package at its version", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      name: string;
      version: string;
    };
    expect(instrumentationScope).toEqual({ name: manifest.name, version: manifest.version });
  });
});
