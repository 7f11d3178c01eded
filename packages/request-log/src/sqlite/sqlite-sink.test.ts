import { describe, expect, it } from "vitest";
import { useTempDir } from "../test-support/temp-files.ts";
import { SqliteRequestLogReader } from "./sqlite-reader.ts";
import { SqliteSink } from "./sqlite-sink.ts";

const tempPath = useTempDir();

describe("SqliteSink", () => {
  it("smoke", async () => {
    const path = tempPath();
    const sink = new SqliteSink(path);
    await sink.write({ requests: [], dropped: { chain: "c", count: 3, at: 1 } });
    await sink.close();
    const reader = new SqliteRequestLogReader(path);
    expect((await reader.summary()).dropped).toBe(3);
    await reader.close();
  });
});
