import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { writeLogFile } from "../test-support/log-file.ts";
import { sampleRequest } from "../test-support/sample-request.ts";
import { useTempDir } from "../test-support/temp-files.ts";
import { redactUrls, runReportCommand } from "./report-command.ts";

const tempPath = useTempDir();
const hour = 3_600_000;
const now = Date.UTC(2026, 10, 30, 12);

/** A log of ten requests, one every hour up to `now`, half tagged feature=chat. */
function tenHourLog(): string {
  const logged = Array.from({ length: 10 }, (_, index) =>
    sampleRequest(`r${index}`, now - (9 - index) * hour, { feature: index % 2 ? "chat" : "search" }),
  );
  return writeLogFile(tempPath("requests.db"), logged);
}

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const cwd = dirname(tempPath("requests.db"));
  const code = await runReportCommand(args, { out: (t) => out.push(t), err: (t) => err.push(t), cwd, now: () => now });
  return { code, out: out.join(""), err: err.join(""), cwd };
}

describe("understudy report", () => {
  it("writes the page where --out says, prints its path, and tells its progress on stderr", async () => {
    const log = tenHourLog();
    const { code, out, err, cwd } = await run(log, "--out", "page.html");
    expect(code).toBe(0);
    expect(out).toBe(`${join(cwd, "page.html")}\n`);
    expect(readFileSync(join(cwd, "page.html"), "utf8")).toMatch(/^<!doctype html>/i);
    expect(err).toMatch(/read \d+ of \d+ views/);
    expect((await run(log, "--quiet")).err).toBe("");
    expect(existsSync(join(cwd, "understudy-report.html"))).toBe(true);
  });

  it("prints a JSON summary for scripts, filtered by time and tag, and writes no page unless asked", async () => {
    const log = tenHourLog();
    const { code, out, cwd } = await run(log, "--json", "--from", "4h", "--tag", "feature=chat", "--quiet");
    expect(code).toBe(0);
    const summary = JSON.parse(out);
    // Requests 5..9 started at or after 4 hours ago; of those, 5, 7 and 9 are chat.
    expect(summary.summary.requests).toBe(3);
    expect(summary.filters).toEqual({ from: now - 4 * hour, tags: { feature: "chat" } });
    expect(summary.fallbackRates[0]).toMatchObject({ model: "scripted:primary", reason: "overloaded" });
    expect(existsSync(join(cwd, "understudy-report.html"))).toBe(false);
  });

  it("reads ISO dates, and an empty window is a report of nothing, not an error", async () => {
    const log = tenHourLog();
    const { code, out } = await run(log, "--json", "--quiet", "--from", "2030-01-01T00:00Z");
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ span: null, summary: null });
  });

  it.each([
    [[], /name the log/],
    [["missing.db"], /no log at .*missing\.db/],
    [["a.db", "b.db"], /one log at a time/],
    [["LOG", "--from", "yesterday"], /--from must be an ISO date .* or an age \(90m, 24h, 7d\); got "yesterday"/],
    [["LOG", "--tag", "feature"], /--tag must be key=value/],
    [["LOG", "--limit", "-3"], /--limit/],
    [["LOG", "--tags", "many"], /--tags must be a whole number/],
    [["LOG", "--colour"], /Unknown option '--colour'/],
    [["LOG", "--from", "1"], /--from must be an ISO date/],
    [["LOG", "--from", "Nov 30"], /--from must be an ISO date/],
    [["LOG", "--to", "200000000d"], /--to must be an ISO date/],
    [["LOG", "--from", "1h", "--to", "2h"], /--from must come before --to/],
    [["LOG", "--tags", "33"], /--tags must be a whole number from 0 to 32/],
    [["LOG", "--out", "."], /--out .* is a directory/],
    [["LOG", "--out", "no/such/dir/page.html"], /--out: no directory/],
    [["."], /is a directory/],
    [["postgress://u:hunter2@db/logs"], /^understudy report: postgress:\/\/u:\*\*\*@db\/logs is no log this reads/],
  ])("refuses %j with one line that names the fix, exit 2", async (args, message) => {
    const log = tenHourLog();
    const { code, err, cwd } = await run(...args.map((arg) => (arg === "LOG" ? log : arg)));
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).toMatch(/--help/);
    // A missing log is not created by looking for it.
    expect(existsSync(join(cwd, "missing.db"))).toBe(false);
  });

  it("reads ISO dates without a zone as UTC, as the page shows them", async () => {
    const log = tenHourLog();
    const { out } = await run(log, "--json", "--quiet", "--from", "2026-11-30T08:00");
    // Requests 5..9 started at 08:00 UTC and after.
    expect(JSON.parse(out).summary.requests).toBe(5);
  });

  it("refuses a file that is not a request log, and leaves it as it was", async () => {
    const path = tempPath("app.db");
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(path);
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)");
    db.close();
    const before = readFileSync(path);
    const { code, err } = await run(path, "--quiet");
    expect(code).toBe(1);
    expect(err).toMatch(/app\.db is not an understudy request log/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it("never shows a postgres password: in the URL's user part, unencoded, or as a parameter", async () => {
    const port = await closedPort();
    const url = `postgresql://127.0.0.1:${port}/logs?user=u&password=S3cr3t-param&connect_timeout=1`;
    const { code, err } = await run(url, "--quiet");
    expect(code).toBe(1);
    expect(err).not.toContain("S3cr3t-param");
    expect(redactUrls(url)).toBe(`postgresql://127.0.0.1:${port}/logs?user=u&password=***&connect_timeout=1`);
    expect(redactUrls("postgres://u:p@ss@db.internal/logs")).toBe("postgres://u:***@db.internal/logs");
    expect(redactUrls("connect to postgres://reader:hunter2@h:5432/db failed")).toBe(
      "connect to postgres://reader:***@h:5432/db failed",
    );
    expect(redactUrls("a plain path/to/log.db")).toBe("a plain path/to/log.db");
  });

  it("names a postgres log without its password, even when the database cannot be reached", async () => {
    const port = await closedPort();
    const { code, err } = await run(`postgres://reader:hunter2-secret@127.0.0.1:${port}/logs`, "--quiet");
    expect(code).toBe(1);
    expect(err).toMatch(/^understudy report: /);
    expect(err).not.toContain("hunter2-secret");
  });
});

describe("the understudy command, as a process", () => {
  const cli = join(dirname(fileURLToPath(import.meta.url)), "cli.ts");
  const node = (...args: string[]) =>
    promisify(execFile)(process.execPath, ["--conditions=@understudy/source", cli, ...args], { encoding: "utf8" });

  it("writes a report and prints its path; --help and a wrong command say what there is", async () => {
    const log = tenHourLog();
    const out = join(dirname(log), "from-process.html");
    const { stdout } = await node("report", log, "--out", out, "--quiet");
    expect(stdout.trim()).toBe(out);
    expect(readFileSync(out, "utf8")).toContain("</html>");
    expect((await node("--help")).stdout).toMatch(/report +a request log as one HTML page/);
    await expect(node("reprot")).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/no command reprot/) });
    expect((await node("--version")).stdout).toMatch(/^\d+\.\d+\.\d+/);
  }, 30_000);
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
