import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** Runs an example the way docs/README.md says, against the workspace sources. */
async function runExample(file: string): Promise<string> {
  const { stdout } = await run(process.execPath, ["--conditions=@understudy/source", here(file)], { timeout: 30_000 });
  return stdout;
}

/** Example programs: every `.ts` file of this folder that is not a test or a docs tool. */
const programs = readdirSync(here(".")).filter(
  (name) => name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.includes("doc-blocks"),
);

describe("examples", () => {
  it("every example opens with its one-line purpose, and the docs index lists it", () => {
    const index = readFileSync(here("../docs/README.md"), "utf8");
    for (const name of [...programs, "testing-fallback-paths.test.ts"]) {
      expect(readFileSync(here(name), "utf8"), name).toMatch(/^\/\/ \S.*\n/);
      expect(index, `docs/README.md lists ${name}`).toContain(`(../examples/${name})`);
    }
  });

  it("every example program has a run below", () => {
    expect(programs.sort()).toEqual(
      [
        "ai-sdk-route.ts",
        "basic-fallback.ts",
        "cost-report.ts",
        "cross-provider-tools.ts",
        "eval-fallback-path.ts",
        "custom-cockatiel-policy.ts",
        "events-to-logs.ts",
        "hedged-requests.ts",
        "otel-tracing.ts",
        "quick-start.ts",
        "review-requests.ts",
        "streaming-failover.ts",
      ].sort(),
    );
  });

  it("quick-start: the backup answers after the primary's retries", async () => {
    const stdout = await runExample("./quick-start.ts");
    expect(stdout).toContain("switched scripted:primary → scripted:backup (overloaded)");
    expect(stdout).toContain("Hello from the backup! — answered by scripted:backup after 3 attempts");
  });

  it("basic-fallback: GPT answers after Claude's two 529s", async () => {
    const stdout = await runExample("./basic-fallback.ts");
    expect(stdout).toContain("answered by openai:gpt-4.1-mini");
    expect(stdout.match(/anthropic:claude-sonnet-4-6 call \d: failure \(overloaded, HTTP 529\)/g)).toHaveLength(2);
    expect(stdout).toContain("fell over anthropic:claude-sonnet-4-6 → openai:gpt-4.1-mini because: overloaded");
  });

  it("streaming-failover: unseen failover, then a reset part, then a typed error", async () => {
    const stdout = await runExample("./streaming-failover.ts");
    const [first, second, third] = stdout.split(/^\d\. /m).slice(1);
    expect(first).toContain("— from openai:gpt-4.1-mini");
    expect(first).not.toContain("[reset");
    expect(second).toMatch(/\[reset: anthropic:claude-sonnet-4-6 failed \(overloaded\); dropped "Once upon a "/);
    expect(second).toContain("— from openai:gpt-4.1-mini");
    expect(third).toContain("StreamInterruptedError: stream_broken on anthropic:claude-sonnet-4-6");
  });

  it("ai-sdk-route: the chat route streams GPT's answer to the client after Claude's 529s, and names it", async () => {
    const stdout = await runExample("./ai-sdk-route.ts");
    expect(stdout).toContain("server: switched anthropic:claude-sonnet-4-6 → openai:gpt-4.1-mini (overloaded)");
    expect(stdout).toMatch(
      /^chunks: start, start-step, text-start, (text-delta, )+text-end, message-metadata, finish-step, finish$/m,
    );
    expect(stdout).toContain("answer: This is gpt-4.1-mini answering.");
    expect(stdout).toContain('metadata: {"model":"openai:gpt-4.1-mini","fallbacks":1}');
  });

  it("cross-provider-tools: Claude makes the tool call and receives the history in its own format", async () => {
    const stdout = await runExample("./cross-provider-tools.ts");
    expect(stdout).toContain('anthropic:claude-sonnet-4-6 calls get_weather({"city":"Lyon"})');
    expect(stdout).toContain("openai:gpt-4.1 → anthropic:claude-sonnet-4-6 (overloaded)");
    expect(stdout).toContain('"type":"tool_use","id":"call_1"');
    expect(stdout).toContain('"type":"tool_result","tool_use_id":"call_1"');
  });

  it("custom-cockatiel-policy: the shared bulkhead sends the second chain's call to the backup", async () => {
    const stdout = await runExample("./custom-cockatiel-policy.ts");
    expect(stdout).toContain("assistant answered with openai:gpt-4.1\n");
    expect(stdout).toContain(
      "summarizer answered with openai:gpt-4.1-mini (the model's own policy refused the call (BulkheadRejectedError))",
    );
    expect(stdout).toContain("calls gpt-4.1 saw: 1");
  });

  it("events-to-logs: one parseable JSON line per event, the breaker's opening included", async () => {
    const lines = (await runExample("./events-to-logs.ts")).trim().split("\n");
    const events = lines.map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events).toEqual([
      "llm.retry",
      "llm.breaker_open",
      "llm.fallback",
      "llm.success",
      "llm.skip",
      "llm.success",
      "llm.skip",
      "llm.success",
    ]);
  });

  it("otel-tracing: the span tree shows Claude's 529 under the chain span, then GPT's answer, and the metrics agree", async () => {
    const stdout = await runExample("./otel-tracing.ts");
    expect(stdout).toContain("answered by openai:gpt-4.1-mini");
    const tree = stdout.slice(stdout.indexOf("spans:\n"), stdout.indexOf("\nmetrics:"));
    const lines = tree.split("\n").slice(1).filter(Boolean);
    // The app's span, the chain span under it, its events, then one child span per call in order.
    expect(lines[0]).toMatch(/^ {2}POST \/support \[SERVER\]$/);
    expect(lines[1]).toMatch(
      /^ {2}└─ understudy generate support-answers \[INTERNAL\] understudy\.outcome="success" understudy\.answer\.model="openai:gpt-4\.1-mini" understudy\.attempt_count=2 understudy\.fallback_count=1$/,
    );
    expect(lines[2]).toMatch(
      /^ {5}· event understudy\.breaker\.open understudy\.model="anthropic:claude-sonnet-4-6" understudy\.reason="overloaded"/,
    );
    expect(lines[3]).toBe(
      '     · event understudy.fallback understudy.fallback.from="anthropic:claude-sonnet-4-6" understudy.fallback.to="openai:gpt-4.1-mini" understudy.reason="overloaded"',
    );
    const calls = lines.filter((line) => /^ {5}[├└]─ /.test(line));
    expect(calls).toEqual([
      '     ├─ chat claude-sonnet-4-6 [CLIENT ERROR] gen_ai.provider.name="anthropic" error.type="overloaded" understudy.http.status=529',
      expect.stringMatching(
        /^ {5}└─ chat gpt-4\.1-mini \[CLIENT\] gen_ai\.provider\.name="openai" gen_ai\.response\.finish_reasons=\["stop"\] gen_ai\.usage\.input_tokens=\d+ gen_ai\.usage\.output_tokens=\d+$/,
      ),
    ]);
    // Each SDK's HTTP call (instrumentation-undici) sits under its call's span: a 529, then a 200.
    // (Under Claude's, nested in the Anthropic SDK's own span, `anthropic.messages.create`, unless ANTHROPIC_OPEN_TELEMETRY=false.)
    expect(tree).toMatch(/^ {5}│ +└─ POST \[CLIENT ERROR\] .*http\.response\.status_code=529$/m);
    expect(tree).toMatch(/\n {8}└─ POST \[CLIENT\] http\.response\.status_code=200/);

    const metrics = stdout.slice(stdout.indexOf("\nmetrics:"));
    expect(metrics).toMatch(
      /gen_ai\.client\.operation\.duration \{gen_ai\.request\.model=claude-sonnet-4-6, error\.type=overloaded\} count=1 /,
    );
    expect(metrics).toMatch(/gen_ai\.client\.operation\.duration \{gen_ai\.request\.model=gpt-4\.1-mini\} count=1 /);
    expect(metrics).toMatch(
      /gen_ai\.client\.token\.usage \{gen_ai\.request\.model=gpt-4\.1-mini, gen_ai\.token\.type=output\} count=1 /,
    );
    expect(metrics).toContain("understudy.fallbacks {understudy.reason=overloaded} = 1");
    expect(metrics).toContain("understudy.breaker.state {understudy.model=anthropic:claude-sonnet-4-6} = 2");
    expect(metrics).toContain("understudy.breaker.state {understudy.model=openai:gpt-4.1-mini} = 0");
    expect(metrics).toMatch(/understudy\.cost\.answered \{understudy\.model=openai:gpt-4\.1-mini\} = 0\.0000\d+/);
  });

  it("cost-report: answers and waste priced per model", async () => {
    const stdout = await runExample("./cost-report.ts");
    expect(stdout).toMatch(/^openai:gpt-4\.1: 3 answers, \$0\.00\d+$/m);
    expect(stdout).toMatch(/^openai:gpt-4\.1-mini: 3 answers, \$0\.00\d+$/m);
    expect(stdout).toMatch(/^wasted on failed attempts: \$0\.000[1-9]\d*$/m);
    expect(stdout).toContain("every model that used tokens has a price");
  });

  it("eval-fallback-path: each model alone on the fault server; GPT breaks the schema, Gemini skips the tool call and refuses", async () => {
    const stdout = await runExample("./eval-fallback-path.ts");
    expect(stdout).toMatch(/^estimated cost of 15 calls: 0\.\d+ \(claude 0\.\d+, gpt 0\.\d+, gemini 0\.\d+\)$/m);
    expect(stdout).toMatch(/^primary claude\s+100%\s+5\s+0\s+0\s+0 /m);
    expect(stdout).toMatch(/^backup 1 gpt\s+80%\s+4\s+1\s+0\s+0 /m);
    expect(stdout).toMatch(/^backup 2 gemini\s+60%\s+3\s+2\s+0\s+1 /m);
    expect(stdout).toContain(
      "order-json on gpt: json-schema: answer must NOT have additional properties; answer/quantity must be integer",
    );
    expect(stdout).toContain("weather-tool on gemini: tool-call:get_weather: no call of get_weather");
    expect(stdout).toMatch(/^ {2}refund on gemini: judge: judge 0\.1 < 0\.5: it refuses/m);
    expect(stdout).toContain("gpt: pass rate 80% meets its threshold 80%");
    expect(stdout).toContain("gemini passes 3 of 5 prompts, 1 refusal");
  });

  it("hedged-requests: Claude's slow first tokens are hedged; GPT wins them and Claude's losing calls are hung up", async () => {
    const stdout = await runExample("./hedged-requests.ts");
    // The slow first tokens are the server's (1.5 s): without hedging, the slowest fifth waits for them.
    const off = /^hedging off +\d+ ms +(\d+) ms +(\d+) ms +20 \(20 \+ 0\) +0 \(0\)$/m.exec(stdout);
    expect(Number(off?.[1])).toBeGreaterThanOrEqual(1_500);
    // With hedging, GPT starts 400 ms in and wins each of the four; a loaded machine may hedge a fast request too.
    const on = /^hedging on +\d+ ms +(\d+) ms +(\d+) ms +(\d+) \(20 \+ (\d+)\) +(\d+) \((\d+)\)$/m.exec(stdout);
    const [p90, worst, calls, toGpt, hedges, won] = (on?.slice(1) ?? []).map(Number);
    expect(worst).toBeLessThan(1_500);
    expect(p90).toBeLessThan(1_500);
    expect(calls).toBe(20 + (toGpt ?? 0));
    expect(hedges).toBe(toGpt);
    expect(won).toBeGreaterThanOrEqual(4);
    expect(stdout.match(/^ {2}hedgeStart anthropic:claude-sonnet-4-6 → openai:gpt-4\.1-mini after 400 ms$/gm)).toHaveLength(
      hedges ?? 0,
    );
    expect(stdout).toMatch(
      /^one hedged request: anthropic:claude-sonnet-4-6 → openai:gpt-4\.1-mini after 400 ms, won by openai:gpt-4\.1-mini$/m,
    );
    expect(stdout).toMatch(
      /^ {2}anthropic:claude-sonnet-4-6: cancelled, lost to openai:gpt-4\.1-mini, \d+ input tokens \(estimated\), \$(?!0\.000000)0\.\d{6}$/m,
    );
    expect(stdout).toMatch(/^ {2}openai:gpt-4\.1-mini \(the hedge\): success, \d+ input tokens, \$(?!0\.000000)0\.\d{6}$/m);
    const hungUp = /^the fault server saw (\d+) of Claude's requests hung up by the client$/m.exec(stdout);
    expect(Number(hungUp?.[1])).toBeGreaterThanOrEqual(4);
  });

  it("review-requests: the log tells fallbacks after a failure from skips of the primary, and SQL reads it", async () => {
    const stdout = await runExample("./review-requests.ts");
    // The calls are scripted (a 429, then 529s until the breaker's second probe); only the skips depend on timing.
    expect(stdout).toMatch(/^30 requests: 30 answered, 3 fell back, \d+ skips, 0 not logged$/m);
    expect(stdout).toMatch(/^answered by anthropic:claude-sonnet-4-6: \d+, openai:gpt-4\.1-mini: \d+$/m);
    expect(stdout).toMatch(/^fallback from anthropic:claude-sonnet-4-6 on overloaded: 2 of \d+ requests/m);
    expect(stdout).toMatch(/^fallback from anthropic:claude-sonnet-4-6 on rate_limit: 1 of \d+ requests/m);
    expect(stdout).toMatch(
      /^anthropic:claude-sonnet-4-6 unavailable \((cooldown|open)(, (cooldown|open))*\): \d+ requests passed it over$/m,
    );
    expect(stdout).toMatch(
      /^search req_\w+ at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: openai:gpt-4\.1-mini \(\d+ fallbacks, \d+ skips\), \d+ ms$/m,
    );
  });
});
