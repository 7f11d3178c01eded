// A process that writes requests to a SQLite log through a SqliteSink, for the
// test of several processes writing one file. Argv: path, writer name,
// requests, batch size. It opens the file, says "ready", and writes on "go",
// so that the writers of a test really write at once.
import { SqliteSink } from "../sqlite/sqlite-sink.ts";
import { sampleRequest } from "./sample-request.ts";

const [path, name, total, batch] = process.argv.slice(2);
if (!path || !name || !process.send) throw new Error("usage: fork writer-process.ts <path> <name> <requests> <batch>");
const sink = new SqliteSink(path, { busyTimeoutMs: 10_000 });
await sink.write({ requests: [] });
const go = new Promise((resolve) => process.once("message", resolve));
process.send("ready");
await go;
const count = Number(total);
const size = Number(batch);
const writes: Promise<void>[] = [];
for (let start = 0; start < count; start += size) {
  const requests = [];
  for (let i = start; i < Math.min(start + size, count); i++) requests.push(sampleRequest(`${name}-${i}`, Date.now()));
  writes.push(sink.write({ requests }));
}
await Promise.all(writes);
await sink.close();
process.disconnect();
