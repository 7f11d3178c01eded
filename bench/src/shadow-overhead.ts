// pnpm --filter @understudy/bench bench:shadow — what shadow sampling costs the
// caller: sequential requests over instant scripted models, the event loop
// turned between requests as a server's would be (so that each shadow call
// runs, between requests, as it would in production), with shadow sampling
// off and at sampleRate 1, in interleaved rounds. Prints the caller's
// latency (call to result) and the event-loop time per request (a whole
// request cycle, the shadow call's work included), and their ratios.
import { createFallback, type Fallback } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { ascending, quantile, spreadOf } from "./stats.ts";

const quick = process.argv.includes("--quick");
const perRound = quick ? 500 : 5_000;
const rounds = quick ? 3 : 10;
const warmup = quick ? 500 : 5_000;
const request = { messages: [{ role: "user" as const, content: "What is the capital of France?" }], maxTokens: 50 };

function chainOf(sampleRate: number | undefined): { chat: Fallback; shadowCalls: () => number } {
  const primary = scriptedModel({ modelId: "primary" });
  const backup = scriptedModel({ modelId: "backup" });
  const chat = createFallback({
    models: [{ model: primary }, { model: backup }],
    // maxConcurrent high enough that every sampled request gets its call: the worst case for the caller.
    ...(sampleRate === undefined ? {} : { shadow: { model: "scripted:backup", sampleRate, maxConcurrent: 64 } }),
  });
  return { chat, shadowCalls: () => backup.calls.length };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `count` request cycles: the caller's µs per request, and the cycle's (request, then one turn of the loop). */
async function cycles(chat: Fallback, count: number): Promise<{ caller: number[]; cycle: number[] }> {
  const caller: number[] = [];
  const cycle: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await chat.generate(request);
    const answered = process.hrtime.bigint();
    await turn();
    await turn();
    const end = process.hrtime.bigint();
    caller.push(Number(answered - start) / 1_000);
    cycle.push(Number(end - start) / 1_000);
  }
  return { caller, cycle };
}

// sampleRate 0 isolates what the hooks cost on the request's path; sampleRate 1 adds a shadow call per request.
const rows = [
  { name: "shadow off", ...chainOf(undefined) },
  { name: "shadow on, sampleRate 0", ...chainOf(0) },
  { name: "shadow on, sampleRate 1", ...chainOf(1) },
];
for (const row of rows) await cycles(row.chat, warmup);
const measured = rows.map(() => ({ caller: [] as number[], cycle: [] as number[], callerMedians: [] as number[] }));
for (let round = 0; round < rounds; round++) {
  for (let turnIndex = 0; turnIndex < rows.length; turnIndex++) {
    const index = (round + turnIndex) % rows.length;
    const row = rows[index];
    const into = measured[index];
    if (!row || !into) continue;
    const { caller, cycle } = await cycles(row.chat, perRound);
    into.caller.push(...caller);
    into.cycle.push(...cycle);
    into.callerMedians.push(quantile(ascending(caller), 0.5));
  }
}
for (const row of rows) await row.chat.close();

const fmt = (micros: number): string => `${micros.toFixed(1)} µs`;
const figures = measured.map((m) => {
  const caller = ascending(m.caller);
  const cycle = ascending(m.cycle);
  return {
    callerP50: quantile(caller, 0.5),
    callerP99: quantile(caller, 0.99),
    cycleP50: quantile(cycle, 0.5),
    spread: spreadOf(m.callerMedians),
  };
});
console.log(
  `shadow sampling overhead, ${rounds} rounds × ${perRound} sequential requests, instant scripted models, Node ${process.version}\n`,
);
console.log("| row | caller p50 (round medians) | caller p99 | request cycle p50 | shadow calls |");
console.log("| --- | --- | --- | --- | --- |");
rows.forEach((row, index) => {
  const f = figures[index];
  if (!f) return;
  console.log(
    `| ${row.name} | ${fmt(f.callerP50)} (${fmt(f.spread.low)}–${fmt(f.spread.high)}) | ${fmt(f.callerP99)} | ${fmt(f.cycleP50)} | ${row.shadowCalls()} |`,
  );
});
const [off, ...on] = figures;
on.forEach((row, index) => {
  if (!off) return;
  console.log(
    `ratio ${rows[index + 1]?.name} / off: caller p50 ${(row.callerP50 / off.callerP50).toFixed(3)}, caller p99 ${(row.callerP99 / off.callerP99).toFixed(3)}, cycle p50 ${(row.cycleP50 / off.cycleP50).toFixed(3)}`,
  );
});
