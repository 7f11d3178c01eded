// `pnpm soak`: many requests with random faults, aborts, breaks and cancels,
// through real adapters and the fault server; prints what happened and exits 1
// if any invariant broke. Run with `node --conditions=@understudy/source --expose-gc`.

import { parseSoakOptions, SoakUsageError, usage } from "./soak/soak-options.ts";
import { formatSoakReport } from "./soak/soak-report.ts";
import { runSoak } from "./soak/soak-run.ts";

async function main(): Promise<number> {
  let options: ReturnType<typeof parseSoakOptions>;
  try {
    options = parseSoakOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof SoakUsageError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    console.log(usage);
    return 0;
  }
  console.error(
    `soak: seed ${options.seed}, up to ${options.requests} requests in ${options.seconds} s, ${options.concurrency} at a time`,
  );
  const report = await runSoak(options, (line) => console.error(line));
  const { text, failing } = formatSoakReport(report);
  console.log(text);
  return failing ? 1 : 0;
}

process.exitCode = await main();
