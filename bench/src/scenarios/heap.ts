import type { BenchContext } from "../bench-context.ts";
import { budget } from "../budget.ts";
import type { Contender } from "../contender.ts";
import { type Goal, type ScenarioResult } from "../report.ts";
import { instantEndpoint } from "./overhead.ts";

const concurrency = 16;
const mebibyte = 1024 * 1024;

function collectGarbage(): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("The heap scenario needs --expose-gc: run it with `pnpm bench`, which passes it.");
  return gc;
}

/** Heap in use after full collections, in bytes. */
async function settledHeap(gc: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

async function sendMany(contender: Contender, count: number): Promise<void> {
  let left = count;
  const caller = async () => {
    while (left-- > 0) await contender.generate(budget.prompt);
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
}

const mib = (bytes: number) => `${(bytes / mebibyte).toFixed(2)} MiB`;

/** Heap growth over many requests per system, in-process on the instant fake. */
export async function heapScenario(context: BenchContext): Promise<ScenarioResult> {
  const gc = collectGarbage();
  const requests = context.sizes.heapRequests;
  const warmup = Math.round(requests / 10);
  const systems = context.systems.filter((system) => !system.notInProcess);
  const rows: string[][] = [];
  const growth = new Map<string, number>();
  for (const system of systems) {
    context.progress(`heap: ${system.name}, ${requests} requests`);
    const contender = await system.create({ endpoint: instantEndpoint, primary: "primary", backup: "backup", breaker: undefined });
    await sendMany(contender, warmup);
    const warm = await settledHeap(gc);
    await sendMany(contender, requests / 2);
    const half = await settledHeap(gc);
    await sendMany(contender, requests / 2);
    const end = await settledHeap(gc);
    growth.set(system.name, end - warm);
    rows.push([system.name, mib(warm), mib(half - warm), mib(end - warm), `${((end - warm) / requests).toFixed(1)} B`]);
  }
  const plainGrowth = growth.get(systems[0]?.name ?? "") ?? 0;
  const understudyGrowth = growth.get("understudy") ?? Number.NaN;
  const goals: Goal[] = [
    {
      goal: `no heap growth beyond noise over ${requests} requests`,
      figure: `understudy ${mib(understudyGrowth)}, plain SDK ${mib(plainGrowth)} (noise allowance: the plain SDK's growth + 1 MiB)`,
      met: understudyGrowth <= plainGrowth + mebibyte,
    },
  ];
  const excluded = context.systems.filter((system) => system.notInProcess).map((system) => `${system.name} (${system.notInProcess}; its heap is another process's)`);
  return {
    section: {
      title: "4b. Heap growth",
      method: [
        `In-process on the instant fake, ${concurrency} callers at once: ${warmup} warm-up requests, then ${requests} requests in two halves.`,
        "Heap in use is read after three full collections (`--expose-gc`) at each point; growth is against the warm heap.",
        `Not run: ${excluded.join(", ") || "none"}.`,
      ].join(" "),
      tables: [{ head: ["system", "warm heap", "growth after half", "growth at end", "per request"], rows }],
    },
    goals,
  };
}
