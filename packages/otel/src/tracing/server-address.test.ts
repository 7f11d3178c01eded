import { describe, expect, it } from "vitest";
import { serverOf } from "./server-address.ts";

describe("serverOf", () => {
  it.each([
    ["https://api.openai.com", { address: "api.openai.com", port: 443 }],
    ["http://localhost", { address: "localhost", port: 80 }],
    ["http://127.0.0.1:8080", { address: "127.0.0.1", port: 8080 }],
    ["https://[::1]:4433", { address: "::1", port: 4433 }],
  ])("reads %s", (origin, server) => {
    expect(serverOf(origin)).toEqual(server);
  });

  it("has no port to give for a scheme it does not know", () => {
    expect(serverOf("unix://socket")).toBeUndefined();
  });
});
