import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { type DrillCommand, helpText, parseDrillArgs, pnpmBannerNote, usage } from "./cli.ts";
import { liveModels } from "./live.ts";

// Each run of the drill writes its log and report under its working directory: one of these, removed after.
const workDirs = mkdtempSync(join(tmpdir(), "understudy-demo-runs-"));
afterAll(() => rmSync(workDirs, { recursive: true, force: true }));

const run = promisify(execFile);
const main = fileURLToPath(new URL("./main.ts", import.meta.url));
const keys = { ANTHROPIC_API_KEY: "sk-ant-test", OPENAI_API_KEY: "sk-test" };

/** Runs the demo's program with `args`; resolves with its exit code and output, whatever the code. */
async function demo(args: readonly string[], env: Record<string, string | undefined> = {}) {
  const childEnv = { ...process.env, ANTHROPIC_API_KEY: undefined, OPENAI_API_KEY: undefined, ...env };
  try {
    const { stdout, stderr } = await run(process.execPath, ["--conditions=@understudy/source", main, ...args], {
      env: childEnv,
      // The drill writes its request log and report under its working directory: a temporary one, not the repository.
      cwd: mkdtempSync(join(workDirs, "run-")),
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout: string; stderr: string };
    return { code: failed.code ?? -1, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function errorOf(command: DrillCommand): string {
  if (command.kind !== "error") throw new Error(`expected an error, got ${JSON.stringify(command)}`);
  return command.message;
}

describe("the outage drill's command line", () => {
  it("defaults to the drill the README describes", () => {
    expect(parseDrillArgs([], {})).toEqual({
      kind: "run",
      options: { healthyMs: 2000, spikeMs: 1500, outageMs: 4000, recoveryMs: 2500, rate: 12 },
      json: false,
      live: false,
      otel: false,
      replicas: 1,
      redis: undefined,
      logDir: "demo-output",
    });
    expect(parseDrillArgs(["--rate", "5", "--outage-ms=900", "--json"], {})).toMatchObject({
      kind: "run",
      options: { rate: 5, outageMs: 900 },
      json: true,
    });
  });

  it("--log-dir names where the request log and report go; replicas keep none", () => {
    expect(parseDrillArgs(["--log-dir", "/tmp/drill"], {})).toMatchObject({ kind: "run", logDir: "/tmp/drill" });
    expect(parseDrillArgs(["--replicas", "2", "--redis", "redis://x"], {})).toMatchObject({ kind: "run", logDir: undefined });
    expect(parseDrillArgs(["--replicas", "2", "--redis", "redis://x", "--log-dir", "d"], {})).toMatchObject({
      kind: "error",
      message: expect.stringMatching(/--log-dir applies to one process's drill/),
    });
    expect(parseDrillArgs(["--log-dir", " "], {})).toMatchObject({ kind: "error", message: expect.stringMatching(/--log-dir/) });
  });

  it("--help and -h ask for the help", () => {
    expect(parseDrillArgs(["--help"], {})).toEqual({ kind: "help" });
    expect(parseDrillArgs(["-h"], {})).toEqual({ kind: "help" });
    expect(parseDrillArgs(["--rate", "nope", "-h"], {})).toEqual({ kind: "help" });
  });

  it("the help explains the phases, every flag with its default, and the exit codes", () => {
    const help = helpText();
    for (const phase of ["healthy", "rate-limit spike", "primary outage", "recovery"]) expect(help).toContain(phase);
    expect(help).toContain("GPT browns out too");
    // The chain it names: Claude, GPT, Gemini, over three wire formats.
    expect(help).toContain("then GPT as the backup, then Gemini as\nthe last resort");
    expect(help).toMatch(/Anthropic,\nOpenAI and Gemini wire formats/);
    expect(help).toMatch(/\(500s\), and\n {20}Gemini answers/);
    expect(help).not.toMatch(/llama/i);
    // --live: Gemini only with its key, which is not required.
    expect(help).toContain("with GEMINI_API_KEY or GOOGLE_API_KEY set too, the last");
    for (const flag of [
      "--healthy-ms",
      "--spike-ms",
      "--outage-ms",
      "--recovery-ms",
      "--rate",
      "--json",
      "--otel",
      "--live",
      "--replicas",
      "--redis",
      "-h, --help",
    ])
      expect(help).toContain(flag);
    for (const fallback of [
      "(default 2000)",
      "(default 1500)",
      "(default 4000)",
      "(default 2500)",
      "(default 12)",
      "(default 1)",
    ])
      expect(help).toContain(fallback);
    expect(help).toMatch(/Exit code: 0 when every request was answered, 1 when one was not or the run\nfailed/);
    expect(help).toContain("2 for a bad flag");
    // It reads on an 80-column terminal.
    for (const line of help.split("\n").slice(2)) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it("an unknown flag is named, with the closest one", () => {
    expect(errorOf(parseDrillArgs(["--rat", "3"], {}))).toBe("unknown flag --rat (did you mean --rate?)");
    expect(errorOf(parseDrillArgs(["--verbose"], {}))).toBe("unknown flag --verbose");
    expect(errorOf(parseDrillArgs(["-x"], {}))).toBe("unknown flag -x");
  });

  it("a missing, superfluous or bad value is named with its flag", () => {
    expect(errorOf(parseDrillArgs(["--rate"], {}))).toBe("--rate needs a value");
    expect(errorOf(parseDrillArgs(["--json=yes"], {}))).toBe("--json takes no value");
    expect(errorOf(parseDrillArgs(["json"], {}))).toBe('unexpected argument "json": every flag starts with --');
    expect(errorOf(parseDrillArgs(["--rate", "fast"], {}))).toBe(
      '--rate must be a number of requests per second, above 0, got "fast"',
    );
    expect(errorOf(parseDrillArgs(["--outage-ms=-5"], {}))).toMatch(/^--outage-ms must be a duration in milliseconds/);
    expect(errorOf(parseDrillArgs(["--spike-ms", ""], {}))).toMatch(/^--spike-ms must be/);
    expect(errorOf(parseDrillArgs(["--healthy-ms", "Infinity"], {}))).toMatch(/^--healthy-ms must be/);
    expect(errorOf(parseDrillArgs(["--replicas", "2.5", "--redis", "redis://x"], {}))).toMatch(
      /^--replicas must be a whole number from 1 to 32/,
    );
  });

  it("--replicas and --redis go together", () => {
    expect(errorOf(parseDrillArgs(["--replicas", "3"], {}))).toMatch(/^--replicas needs --redis URL/);
    expect(errorOf(parseDrillArgs(["--redis", "redis://127.0.0.1:6379"], {}))).toMatch(/^--redis is used only with --replicas/);
    expect(parseDrillArgs(["--replicas", "3", "--redis", "redis://127.0.0.1:6379"], {})).toMatchObject({
      kind: "run",
      replicas: 3,
      redis: "redis://127.0.0.1:6379",
    });
  });

  it("--otel instruments the drill or the live run, in one process", () => {
    expect(parseDrillArgs(["--otel"], {})).toMatchObject({ kind: "run", otel: true, json: false, live: false });
    expect(parseDrillArgs(["--otel", "--json", "--rate", "5"], {})).toMatchObject({
      kind: "run",
      otel: true,
      json: true,
      options: { rate: 5 },
    });
    expect(parseDrillArgs(["--live", "--otel"], keys)).toMatchObject({ kind: "run", live: true, otel: true });
    expect(errorOf(parseDrillArgs(["--otel=yes"], {}))).toBe("--otel takes no value");
    expect(errorOf(parseDrillArgs(["--otle"], {}))).toBe("unknown flag --otle (did you mean --otel?)");
    expect(errorOf(parseDrillArgs(["--otel", "--replicas", "3", "--redis", "redis://127.0.0.1:6379"], {}))).toMatch(
      /^--otel instruments the chain of one process/,
    );
    // The endpoint is read when the run starts, not by the parser: an unset one is no error.
    expect(parseDrillArgs(["--otel"], { OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318" })).toMatchObject({ otel: true });
  });

  it("the help says what --otel prints and where OTEL_EXPORTER_OTLP_ENDPOINT sends it", () => {
    const help = helpText();
    expect(help).toMatch(/--otel +trace and measure the chain with @understudy\/otel/);
    expect(help).toContain("OTEL_EXPORTER_OTLP_ENDPOINT");
    expect(help).toContain("OTLP/HTTP");
    expect(usage).toContain("[--otel]");
  });

  it("--live names each missing key, and refuses the drill's flags", () => {
    expect(errorOf(parseDrillArgs(["--live"], {}))).toMatch(
      /^--live needs ANTHROPIC_API_KEY and OPENAI_API_KEY in the environment/,
    );
    expect(errorOf(parseDrillArgs(["--live"], { ANTHROPIC_API_KEY: "sk-ant-test" }))).toMatch(
      /^--live needs OPENAI_API_KEY in the environment/,
    );
    expect(errorOf(parseDrillArgs(["--live"], { OPENAI_API_KEY: "sk-test", ANTHROPIC_API_KEY: "" }))).toMatch(
      /^--live needs ANTHROPIC_API_KEY in the environment/,
    );
    expect(errorOf(parseDrillArgs(["--live", "--rate", "3"], keys))).toMatch(/^--rate does not apply to --live/);
    expect(parseDrillArgs(["--live", "--json"], keys)).toMatchObject({ kind: "run", live: true, json: true });
    // A Gemini key neither stands in for the required keys nor is needed.
    expect(errorOf(parseDrillArgs(["--live"], { GEMINI_API_KEY: "g", GOOGLE_API_KEY: "g" }))).toMatch(
      /^--live needs ANTHROPIC_API_KEY and OPENAI_API_KEY in the environment/,
    );
  });

  it("--live ends its chain with Gemini 2.5 Flash when a Gemini key is set, else GPT-4.1 nano", () => {
    const chain = (env: Record<string, string>) => liveModels(env).map((entry) => `${entry.id} ${entry.model.modelId}`);
    const head = ["claude claude-sonnet-4-6", "gpt gpt-4.1-mini"];
    expect(chain(keys)).toEqual([...head, "gpt-nano gpt-4.1-nano"]);
    expect(chain({ ...keys, GEMINI_API_KEY: "g" })).toEqual([...head, "gemini gemini-2.5-flash"]);
    expect(chain({ ...keys, GOOGLE_API_KEY: "g" })).toEqual([...head, "gemini gemini-2.5-flash"]);
    expect(liveModels({ ...keys, GOOGLE_API_KEY: "g" }).at(-1)?.model.provider).toBe("google");
  });
});

describe("the note about pnpm's banner, with --json", () => {
  it("is given through plain pnpm into a pipe, and only then", () => {
    expect(pnpmBannerNote({ npm_lifecycle_event: "demo" }, false)).toMatch(/run pnpm --silent demo --json$/);
    expect(pnpmBannerNote({ npm_lifecycle_event: "demo", npm_config_reporter: "silent" }, false)).toBeUndefined();
    expect(pnpmBannerNote({ npm_lifecycle_event: "demo" }, true)).toBeUndefined();
    expect(pnpmBannerNote({}, false)).toBeUndefined();
  });
});

describe("pnpm demo, as a process", () => {
  it("--help and -h print the help on stdout and exit 0", async () => {
    for (const flag of ["--help", "-h"]) {
      const { code, stdout, stderr } = await demo([flag]);
      expect(code).toBe(0);
      expect(stdout).toBe(helpText());
      expect(stderr).toBe("");
    }
  });

  it("an unknown flag or a bad value: one line naming it, the usage, exit code 2, no stack trace", async () => {
    for (const [args, line] of [
      [["--bogus"], "pnpm demo: unknown flag --bogus"],
      [["--rate", "abc"], 'pnpm demo: --rate must be a number of requests per second, above 0, got "abc"'],
      [["--rate"], "pnpm demo: --rate needs a value"],
    ] as const) {
      const { code, stdout, stderr } = await demo(args);
      expect(code, args.join(" ")).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toBe(`${line}\n${usage}\n`);
    }
  });

  it("--live without the API keys says which is missing and exits 2", async () => {
    const { code, stderr } = await demo(["--live"], { OPENAI_API_KEY: "sk-test" });
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/^pnpm demo: --live needs ANTHROPIC_API_KEY in the environment/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
