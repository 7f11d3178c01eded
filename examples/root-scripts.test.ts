import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./doc-blocks.ts";

const run = promisify(execFile);
const preflight = join(repoRoot, "scripts/check-node.mjs");
const floorMessage = "understudy needs Node ≥ 22.18 to run its TypeScript directly";

/** Runs a program; resolves with its exit code and output, whatever the code. */
async function exec(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    const { stdout, stderr } = await run(file, [...args], { cwd: repoRoot, env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout: string; stderr: string };
    return { code: failed.code ?? -1, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/**
 * The environment for a pnpm run of our own: this test's, without what pnpm
 * and vitest set for the run that started it, with `node` from `nodeDir` first.
 */
function pnpmEnv(nodeDir: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_|PNPM_|NODE_OPTIONS$|VITEST|TEST$)/i.test(key)),
  );
  return { ...env, PATH: `${nodeDir}${delimiter}${process.env.PATH ?? ""}` };
}

/** How to start pnpm: the one running these tests if any, else the first on PATH. */
function pnpmCommand(node: string): [string, string[]] | undefined {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm\.c?js$/.test(execPath) && existsSync(execPath)) return [node, [execPath]];
  const onPath = pathDirs()
    .map((dir) => join(dir, "pnpm"))
    .find((file) => existsSync(file));
  return onPath ? [node, [realpathSync(onPath)]] : undefined;
}

function pathDirs(): string[] {
  return (process.env.PATH ?? "").split(delimiter).filter(Boolean);
}

/** A Node binary on this machine too old to strip types (Node 20, say), or undefined. */
function findOldNode(): { path: string; version: string } | undefined {
  const candidates = [...pathDirs().map((dir) => join(dir, "node")), "/usr/bin/node", "/usr/local/bin/node"];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const path = realpathSync(candidate);
    if (seen.has(path)) continue;
    seen.add(path);
    try {
      const version = execFileSync(path, ["--version"], { encoding: "utf8", timeout: 10_000 }).trim();
      const [major = 0, minor = 0] = version.slice(1).split(".").map(Number);
      if (major < 22 || (major === 22 && minor < 18)) return { path, version };
    } catch {
      // not a working node
    }
  }
  return undefined;
}

describe("the Node version preflight (scripts/check-node.mjs)", () => {
  it.each([
    ["20.20.0", "v20.20.0"],
    ["v18.19.1", "v18.19.1"],
    ["22.17.1", "v22.17.1"],
  ])("refuses Node %s: exit code 1 and what to do, on stderr", async (version, shown) => {
    const { code, stdout, stderr } = await exec(process.execPath, [preflight], {
      ...process.env,
      UNDERSTUDY_NODE_VERSION: version,
    });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(`${floorMessage}; this is ${shown} — install a newer Node`);
    expect(stderr).toContain("nvm install 24");
    expect(stderr).toContain("https://nodejs.org");
  });

  it("names the 23 line's own floor", async () => {
    const { code, stderr } = await exec(process.execPath, [preflight], { ...process.env, UNDERSTUDY_NODE_VERSION: "23.5.0" });
    expect(code).toBe(1);
    expect(stderr).toContain("understudy needs Node ≥ 22.18 (23.6 on the 23 line)");
  });

  it.each(["22.18.0", "23.6.0", "24.0.0", "25.1.0"])("lets Node %s through, silently", async (version) => {
    const result = await exec(process.execPath, [preflight], { ...process.env, UNDERSTUDY_NODE_VERSION: version });
    expect(result).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("lets the Node running these tests through", async () => {
    expect(await exec(process.execPath, [preflight])).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("runs before anything that loads TypeScript: pnpm demo, pnpm test, pnpm docs:sync", () => {
    const { scripts } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> };
    for (const name of ["demo", "test", "docs:sync"]) expect(scripts[name], name).toMatch(/^node scripts\/check-node\.mjs && /);
    expect(readFileSync(join(repoRoot, ".nvmrc"), "utf8").trim()).toBe("24");
  });

  const oldNode = findOldNode();
  const pnpm = oldNode && pnpmCommand(oldNode.path);
  it.skipIf(!oldNode || !pnpm)(
    oldNode && pnpm
      ? `pnpm demo under the machine's ${oldNode.version} (${oldNode.path}) stops at the preflight, with its message`
      : "pnpm demo under an old Node — SKIPPED: no Node older than 22.18 (or no pnpm) found on PATH, /usr/bin or /usr/local/bin",
    async () => {
      if (!oldNode || !pnpm) return;
      const [file, args] = pnpm;
      const { code, stderr } = await exec(file, [...args, "demo"], pnpmEnv(dirname(oldNode.path)));
      expect(code).not.toBe(0);
      expect(stderr).toContain(`${floorMessage}; this is ${oldNode.version} — install a newer Node`);
      expect(stderr).not.toContain("ERR_UNKNOWN_FILE_EXTENSION");
    },
  );
});

describe("pnpm demo --json", () => {
  const pnpm = pnpmCommand(process.execPath);
  // Each run writes its request log and report: into a directory of its own, not the repository.
  const logRoot = mkdtempSync(join(tmpdir(), "understudy-root-demo-"));
  const logDir = (name: string) => join(logRoot, name);
  afterAll(() => rmSync(logRoot, { recursive: true, force: true }));
  it.skipIf(!pnpm)(
    "through pnpm --silent, stdout is JSON alone, its money rounded to the micro-dollar",
    { timeout: 60_000 },
    async () => {
      if (!pnpm) return;
      const [file, args] = pnpm;
      const phases = ["--healthy-ms", "300", "--spike-ms", "300", "--outage-ms", "900", "--recovery-ms", "600", "--rate", "10"];
      phases.push("--log-dir", logDir("silent"));
      const { code, stdout } = await exec(
        file,
        [...args, "--silent", "demo", "--json", ...phases],
        pnpmEnv(dirname(process.execPath)),
      );
      expect(code).toBe(0);
      const json = JSON.parse(stdout) as {
        summary: { requests: number; cost: { total: number; wasted: number } };
        outcomes: { cost: number; wastedCost: number }[];
      };
      expect(json.summary.requests).toBeGreaterThan(0);
      const money = [json.summary.cost.total, json.summary.cost.wasted, ...json.outcomes.flatMap((o) => [o.cost, o.wastedCost])];
      for (const dollars of money) expect(Math.round(dollars * 1e6) / 1e6).toBe(dollars);
      expect(stdout).not.toMatch(/\d\.\d{7,}/);
    },
  );

  it.skipIf(!pnpm)(
    "through plain pnpm, its banner comes first, and stderr says to add --silent",
    { timeout: 60_000 },
    async () => {
      if (!pnpm) return;
      const [file, args] = pnpm;
      const phases = ["--healthy-ms", "200", "--spike-ms", "200", "--outage-ms", "300", "--recovery-ms", "200", "--rate", "5"];
      phases.push("--log-dir", logDir("banner"));
      const { code, stdout, stderr } = await exec(
        file,
        [...args, "demo", "--json", ...phases],
        pnpmEnv(dirname(process.execPath)),
      );
      expect(code).toBe(0);
      expect(stdout).toMatch(/^\s*> understudy-monorepo@ demo /);
      expect(stderr).toContain("for JSON alone, run pnpm --silent demo --json");
      expect(() => JSON.parse(stdout.slice(stdout.indexOf("\n{") + 1))).not.toThrow();
    },
  );
});
