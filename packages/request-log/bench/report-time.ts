// What `understudy report` costs: the time to read a log's aggregates and to
// render the page, and the page's size, for logs of 10 000 and 100 000 requests
// side by side in one run (the ratio says how it scales on any machine).
//
//   pnpm --filter @understudy/request-log bench:report           (about a minute)
//   pnpm --filter @understudy/request-log bench:report --quick   (seconds; checks the harness)
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildReport, renderReportHtml, SqliteRequestLogReader } from "../src/index.ts";
import { SqliteLogStore } from "../src/sqlite/sqlite-log-store.ts";
import { syntheticLog } from "./synthetic-log.ts";

const quick = process.argv.includes("--quick");
const sizes = quick ? [1_000, 5_000] : [10_000, 100_000];
const dir = mkdtempSync(join(tmpdir(), "understudy-report-bench-"));

interface Measured {
  readonly requests: number;
  readonly writeMs: number;
  readonly views: number;
  readonly readMs: number;
  readonly renderMs: number;
  readonly pageBytes: number;
  readonly gzipBytes: number;
}

function writeLog(path: string, count: number): number {
  const logged = syntheticLog(count);
  const started = performance.now();
  const store = new SqliteLogStore(path, 5_000);
  for (let start = 0; start < logged.length; start += 1_000) store.write({ requests: logged.slice(start, start + 1_000) });
  store.close();
  return performance.now() - started;
}

async function measure(count: number): Promise<Measured> {
  const path = join(dir, `log-${count}.db`);
  const writeMs = writeLog(path, count);
  const reader = new SqliteRequestLogReader(path);
  try {
    const readStart = performance.now();
    const data = await buildReport(reader, { source: "bench" });
    const readMs = performance.now() - readStart;
    const renderStart = performance.now();
    const page = renderReportHtml(data);
    const renderMs = performance.now() - renderStart;
    const bytes = Buffer.byteLength(page);
    return {
      requests: count,
      writeMs,
      views: Object.keys(data.views).length,
      readMs,
      renderMs,
      pageBytes: bytes,
      gzipBytes: gzipSync(page).length,
    };
  } finally {
    await reader.close();
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

try {
  const rows: Measured[] = [];
  for (const count of sizes) rows.push(await measure(count));
  console.log(
    `# understudy report: time and page size\n\n${cpus()[0]?.model.trim()}, ${cpus().length} cores, Node ${process.version}`,
  );
  console.log(
    "\nA month of synthetic traffic (3 models, 3 outages of the primary, 2 tags with 4 and 12 values, 2 % captured).\n",
  );
  console.log("| requests | views read | read the log | render the page | report total | page | page gzipped |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const row of rows) {
    const total = ((row.readMs + row.renderMs) / 1_000).toFixed(2);
    const read = (row.readMs / 1_000).toFixed(2);
    console.log(
      `| ${row.requests} | ${row.views} | ${read} s | ${row.renderMs.toFixed(0)} ms | ${total} s | ${kb(row.pageBytes)} | ${kb(row.gzipBytes)} |`,
    );
  }
  const [small, large] = rows as [Measured, Measured];
  const ratio = (large.readMs + large.renderMs) / (small.readMs + small.renderMs);
  console.log(
    `\n${large.requests / small.requests}× the requests took ${ratio.toFixed(1)}× the time; the page grew ${(large.pageBytes / small.pageBytes).toFixed(2)}×.`,
  );
  console.log(
    `(writing the logs for the bench, one store on the event loop: ${rows.map((r) => `${r.requests} in ${(r.writeMs / 1_000).toFixed(1)} s`).join(", ")})`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
