import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The report page's browser helpers live with the page, in @understudy/request-log.
import { chromiumAvailable, launchChromium, openReport } from "../../../request-log/src/test-support/report-browser.ts";

type Browser = Awaited<ReturnType<typeof launchChromium>>;

const available = chromiumAvailable("the @understudy/eval report page test");
const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const cli = fileURLToPath(new URL("../cli/cli.ts", import.meta.url));

/** `understudy eval` as a real process from the repository's root; resolves with its exit code and output. */
function understudy(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--conditions=@understudy/source", cli, ...args],
      { cwd: repo, timeout: 20_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

// The callbacks below run in Chromium; this package compiles without the DOM's types.
interface ElementNode {
  readonly textContent: string | null;
  readonly dataset: Readonly<Record<string, string | undefined>>;
  checkVisibility(): boolean;
  querySelectorAll(selector: string): ArrayLike<ElementNode>;
}

describe.skipIf(!available)("the page `understudy eval --report` writes, in Chromium", () => {
  let browser: Browser | undefined;
  let dir = "";
  let run: { code: number; stdout: string; stderr: string } = { code: -1, stdout: "", stderr: "" };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "understudy-eval-page-"));
    // The example's eval (offline, on the fault server) and the browser start side by side.
    [run, browser] = await Promise.all([
      understudy(["eval", "examples/eval/eval.config.ts", "--report", join(dir, "eval.html"), "--quiet"]),
      launchChromium(),
    ]);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it("shows the example's eval: its three models in chain order, the chart, and the regressions", async () => {
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`wrote ${join(dir, "eval.html")}`);
    if (!browser) throw new Error("no browser");
    const path = join(dir, "eval.html");
    expect(statSync(path).size).toBeLessThan(300_000);
    const { page, problems } = await openReport(browser, path);
    try {
      const shown = await page.$eval("#eval", (node) => (node as unknown as ElementNode).checkVisibility());
      expect(shown).toBe(true);
      expect(await page.$eval("#no-log", (node) => (node as unknown as ElementNode).checkVisibility())).toBe(true);
      expect(await page.$eval("#requests", (node) => (node as unknown as ElementNode).checkVisibility())).toBe(false);
      const rows = await page.$$eval("#eval [data-slot=models] tbody tr", (nodes) =>
        (nodes as unknown as ElementNode[]).map((row) =>
          Array.from(row.querySelectorAll("td"), (cell) => cell.textContent ?? ""),
        ),
      );
      expect(rows.map((cells) => cells.slice(0, 6))).toEqual([
        ["primary", "claude", "100%", "5", "0", "0"],
        ["backup 1", "gpt", "80%", "4", "1", "0"],
        ["backup 2", "gemini", "60%", "3", "2", "0"],
      ]);
      expect(rows.map((cells) => cells.at(-1))).toEqual(["none", "met: 0.8 (80%)", "none"]);
      const chart = await page.$eval("#chart-eval", (node) => ({ ...(node as unknown as ElementNode).dataset }));
      expect(chart).toMatchObject({ rendered: "true" });
      expect(Number(chart.points)).toBeGreaterThan(10);
      const regressions = await page.$$eval("#eval .regression", (nodes) =>
        (nodes as unknown as ElementNode[]).map((card) => ({
          pair: `${card.dataset.prompt} on ${card.dataset.model}`,
          failed: Array.from(card.querySelectorAll("li"), (item) => item.textContent ?? ""),
          texts: Array.from(card.querySelectorAll(".eval-text"), (column) => column.textContent ?? ""),
        })),
      );
      expect(regressions.map((r) => r.pair)).toEqual(["order-json on gpt", "weather-tool on gemini", "refund on gemini"]);
      expect(regressions[0]?.failed[0]).toMatch(/^json-schema: .*answer\/quantity must be integer/);
      expect(regressions[1]?.failed).toEqual(["tool-call:get_weather: no call of get_weather"]);
      expect(regressions[2]?.texts).toEqual([
        "The promptCan I still return a mug I bought 40 days ago?",
        expect.stringMatching(/^claude, the primary, answeredYes: returns are accepted within 60 days/),
        "gemini answeredI'm sorry, but I can't help with questions about purchases.",
      ]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);
});
