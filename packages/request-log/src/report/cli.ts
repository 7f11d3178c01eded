#!/usr/bin/env node
// The `understudy` command: `report` is this package's; `eval` is @understudy/eval's, run
// from here when it is installed, so either package's `understudy` answers both.
import { readFileSync } from "node:fs";
import { reportUsage, runReportCommand } from "./report-command.ts";

const [command, ...args] = process.argv.slice(2);
const io = { out: (text: string) => process.stdout.write(text), err: (text: string) => process.stderr.write(text) };
const commands = `Commands:\n  report   a request log as one HTML page\n  eval     each model of a chain on its own over a prompt set (@understudy/eval)\n\n${reportUsage}`;

/** `eval`, from @understudy/eval when it is installed; a named package through a variable, so no build needs it. */
async function runEval(): Promise<number> {
  const evalPackage = "@understudy/eval";
  try {
    const { runEvalCommand } = (await import(evalPackage)) as {
      runEvalCommand: (args: readonly string[], commandIO: typeof io) => Promise<number>;
    };
    return await runEvalCommand(args, io);
  } catch (error) {
    const missing = (error as { code?: string }).code === "ERR_MODULE_NOT_FOUND";
    if (!missing || !String((error as Error).message).includes(`'${evalPackage}'`)) throw error;
    io.err("understudy eval: install @understudy/eval beside @understudy/request-log (npm install @understudy/eval)\n");
    return 2;
  }
}

if (command === "report") {
  process.exitCode = await runReportCommand(args, io);
} else if (command === "eval") {
  process.exitCode = await runEval();
} else if (command === "--version" || command === "-v") {
  // The same path from src/report and dist/report.
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  io.out(`${manifest.version}\n`);
} else if (command === "--help" || command === "-h") {
  io.out(commands);
} else {
  io.err(`${command === undefined ? "understudy: name a command" : `understudy: no command ${command}`}\n${commands}`);
  process.exitCode = 2;
}
