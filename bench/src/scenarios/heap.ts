import type { BenchContext } from "../bench-context.ts";
import { budget } from "../budget.ts";
import type { Contender } from "../contender.ts";
import type { Goal, ScenarioResult } from "../report.ts";
import { cancellableSdk, cancellableSdkName } from "../systems/plain-sdk.ts";
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

const quarters = 4;

/** Heap growth over many requests per system, in-process on the instant fake. */
export async function heapScenario(context: BenchContext): Promise<ScenarioResult> {
  const gc = collectGarbage();
  const requests = context.sizes.heapRequests;
  const warmup = Math.round(requests / 5);
  const systems = context.systems.filter((system) => !system.notInProcess);
  const contenders = [
    ...(await Promise.all(
      systems.map(async (system) => ({
        name: system.name,
        contender: await system.create({ endpoint: instantEndpoint, primary: "primary", backup: "backup", breaker: undefined }),
      })),
    )),
    { name: cancellableSdkName, contender: cancellableSdk(instantEndpoint) },
  ];
  const rows: string[][] = [];
  const growth = new Map<string, number>();
  for (const { name, contender } of contenders) {
    context.progress(`heap: ${name}, ${requests} requests`);
    await sendMany(contender, warmup);
    await contender.release?.();
    const warm = await settledHeap(gc);
    const checkpoints: number[] = [];
    for (let quarter = 0; quarter < quarters; quarter++) {
      await sendMany(contender, requests / quarters);
      await contender.release?.();
      checkpoints.push((await settledHeap(gc)) - warm);
    }
    const end = checkpoints[quarters - 1] ?? 0;
    growth.set(name, end);
    rows.push([name, mib(warm), ...checkpoints.map(mib), `${(end / requests).toFixed(1)} B`]);
  }
  // The SDK's own heap moves by a few MiB either way over a run; a system
  // leaks only if it grows beyond the SDK's own calls, cancellable or not.
  const floor = Math.max(growth.get(systems[0]?.name ?? "") ?? 0, growth.get(cancellableSdkName) ?? 0);
  const understudyGrowth = growth.get("understudy") ?? Number.NaN;
  const goals: Goal[] = [
    {
      goal: `no heap growth beyond noise over ${requests} requests`,
      figure: `understudy ${mib(understudyGrowth)}; the SDK's own calls ${mib(floor)} at most (allowance: that + 1 MiB)`,
      met: understudyGrowth <= floor + mebibyte,
    },
  ];
  const excluded = context.systems
    .filter((system) => system.notInProcess)
    .map((system) => `${system.name} (${system.notInProcess}; its heap is another process's)`);
  return {
    section: {
      title: "4b. Heap growth",
      method: [
        `In-process on the instant fake, ${concurrency} callers at once: ${warmup} warm-up requests, then ${requests} requests in ${quarters} parts.`,
        "Heap in use is read after three full collections (`--expose-gc`) after the warm-up and after each part; growth is against the warm heap.",
        "Before each reading, a system that keeps spans in memory by design (an in-memory exporter, which a real one would send away) exports and drops them.",
        "The last row is a floor: the plain SDK given an abort signal on every call, as every cancellable call is.",
        `Not run: ${excluded.join(", ") || "none"}.`,
      ].join(" "),
      tables: [
        {
          head: [
            "system",
            "warm heap",
            ...Array.from({ length: quarters }, (_, q) => `growth after ${((q + 1) * 100) / quarters} %`),
            "per request",
          ],
          rows,
        },
      ],
    },
    goals,
  };
}
