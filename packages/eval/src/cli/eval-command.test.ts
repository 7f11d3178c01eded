import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { EvalRun } from "../run/eval-run.ts";

const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));
const config = fileURLToPath(new URL("../test-support/three-providers.config.ts", import.meta.url));

/** Runs the `understudy` command as a real process; resolves with its exit code and output. */
function understudy(args: readonly string[], timeout = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--conditions=@understudy/source", cli, ...args], { timeout }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const temp = () => mkdtemp(join(tmpdir(), "eval-cli-"));

describe("understudy eval, as a process", () => {
  it("prints the table, the regressions and progress, and exits 0 without thresholds", async () => {
    const { code, stdout, stderr } = await understudy(["eval", config]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^primary claude\s+100%\s+3\s+0\s+0\s+0 /m);
    expect(stdout).toMatch(/^backup 2 gemini\s+33\.3%\s+1\s+2\s+0\s+1 /m);
    expect(stdout).toContain("order on gpt: agrees-with-primary: JSON leaves 0.5 < 0.6");
    expect(stderr).toMatch(/^understudy eval: estimated cost of 9 calls: .*no price for gemini/m);
    expect(stderr).toContain("understudy eval: [9/9]");
  });

  it("--threshold: exits 1 and names the models below it; --json prints the run", async () => {
    const { code, stdout, stderr } = await understudy(["eval", config, "--threshold", "0.9", "--json", "--quiet"]);
    expect(code).toBe(1);
    expect(stderr).toBe("understudy eval: below threshold: gpt (66.7% < 90%), gemini (33.3% < 90%)\n");
    const run = JSON.parse(stdout) as EvalRun;
    expect(run.models.map((model) => [model.model, model.belowThreshold])).toEqual([
      ["claude", false],
      ["gpt", true],
      ["gemini", true],
    ]);
    expect(run.outcomes).toHaveLength(9);
  });

  it("--report writes the page with the eval section; --results makes a rerun resume", async () => {
    const dir = await temp();
    const page = join(dir, "eval.html");
    const results = join(dir, "results.jsonl");
    const first = await understudy(["eval", config, "--report", page, "--results", results, "--quiet"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`wrote ${page}`);
    const html = await readFile(page, "utf8");
    const data = JSON.parse(html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s)?.[1] ?? "null");
    expect(data).toMatchObject({ version: 1, windows: [], eval: { name: "cli-e2e", prompts: 3 } });
    expect(data.eval.regressions).toHaveLength(3);
    // The header line, then a record per pair.
    const written = (await readFile(results, "utf8")).trim().split("\n");
    expect(written).toHaveLength(10);
    expect(JSON.parse(written[0] ?? "")).toEqual({ format: "understudy.eval-results", v: 1 });

    const again = await understudy(["eval", config, "--results", results, "--json"]);
    // The estimate is of the pairs left to do: none.
    expect(again.stderr).toMatch(/^understudy eval: estimated cost of 0 calls: 0$/m);
    const run = JSON.parse(again.stdout) as EvalRun;
    expect(run.outcomes.every((outcome) => outcome.resumed)).toBe(true);
    expect(run.spent).toBe(0);
    expect(run.regressions).toHaveLength(3);
  });

  it("exits 2 with one line naming the flag and the fix", async () => {
    const dir = await temp();
    const bad = join(dir, "bad.jsonl");
    await writeFile(bad, '{"id": "a", "prompt": "hi"}\n{"id": "b", "prompt": "x", "checks": [{"type": "regex"}]}\n');
    const syntaxError = join(dir, "syntax.config.ts");
    await writeFile(syntaxError, "export default {{;\n");
    const badRequest = join(dir, "bad-request.jsonl");
    await writeFile(badRequest, '{"id": "frac", "prompt": "hi", "maxTokens": 1.5}\n');
    const cases: [string[], RegExp][] = [
      [
        ["eval", config, "--concurrency", "0"],
        /^understudy eval: --concurrency must be a whole number from 1 to 1000; got "0"$/m,
      ],
      [["eval", config, "--threshold", "90"], /^understudy eval: --threshold must be a pass rate from 0 to 1/m],
      [["eval", config, "--bogus"], /^understudy eval: Unknown option '--bogus'/m],
      [["eval"], /^understudy eval: name the eval's config/m],
      [["eval", join(dir, "missing.ts")], /^understudy eval: no config at /m],
      [
        ["eval", fileURLToPath(new URL("../test-support/three-providers.ts", import.meta.url))],
        /must default-export defineEval/m,
      ],
      [["eval", config, "--prompts", bad], /bad\.jsonl:2: checks\[0\]\.pattern must be a non-empty string$/m],
      [["eval", config, "--max-cost", "0.000001"], /is above maxCost 0\.000001: raise maxCost/m],
      [
        ["eval", config, "--prompts", join(dir, "missing.jsonl")],
        /missing\.jsonl: cannot read the prompt set \(no such file\)$/m,
      ],
      [["eval", syntaxError], /^understudy eval: .*syntax\.config\.ts failed to load: /m],
      [
        ["eval", config, "--prompts", badRequest],
        /bad-request\.jsonl:1: prompt "frac": request\.maxTokens: must be a whole number/m,
      ],
    ];
    const outcomes = await Promise.all(cases.map(([args]) => understudy(args)));
    for (const [index, { code, stderr }] of outcomes.entries()) {
      const [args, message] = cases[index] as [string[], RegExp];
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stderr, args.join(" ")).toMatch(message);
    }
  }, 30_000);

  it("exits 2, promptly, when the config fails to load after starting a server it never closes", async () => {
    const dir = await temp();
    const defineEvalModule = pathToFileURL(fileURLToPath(new URL("../suite/define-eval.ts", import.meta.url))).href;
    const server = 'import { createServer } from "node:net";\ncreateServer().listen(0);\n';
    const configs: [string, string, RegExp][] = [
      ["throws.config.ts", `${server}throw new Error("no API key");\n`, /throws\.config\.ts failed to load: no API key$/m],
      ["no-default.config.ts", `${server}export const suite = 1;\n`, /must default-export defineEval/m],
      [
        "bad-suite.config.ts",
        `${server}import { defineEval } from ${JSON.stringify(defineEvalModule)};\nexport default defineEval({ name: "" } as never);\n`,
        /^understudy eval: defineEval: name must be a non-empty string$/m,
      ],
    ];
    const runs = await Promise.all(
      configs.map(async ([name, text]) => {
        await writeFile(join(dir, name), text);
        const started = Date.now();
        return { ...(await understudy(["eval", join(dir, name)], 10_000)), ms: Date.now() - started };
      }),
    );
    for (const [index, { code, stderr, ms }] of runs.entries()) {
      const [name, , message] = configs[index] as [string, string, RegExp];
      expect({ name, code }).toEqual({ name, code: 2 });
      expect(stderr).toMatch(message);
      expect(ms).toBeLessThan(8_000);
    }
  }, 30_000);

  it("says the threshold as it was given (57%, not 56.99999999999999%)", async () => {
    const { code, stderr } = await understudy(["eval", config, "--threshold", "0.57", "--quiet"]);
    expect(code).toBe(1);
    expect(stderr).toBe("understudy eval: below threshold: gemini (33.3% < 57%)\n");
  });

  it("the `understudy` dispatcher runs `report` from @understudy/request-log", async () => {
    const { code, stdout } = await understudy(["report", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: understudy report <log>");
    expect((await understudy(["nope"])).code).toBe(2);
  });
});
