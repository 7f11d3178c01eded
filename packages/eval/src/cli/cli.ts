#!/usr/bin/env node
// The `understudy` command of @understudy/eval: `eval` is this package's; `report` is
// @understudy/request-log's, run the same way its own `understudy` command runs it.
import { readFileSync } from "node:fs";
import { evalUsage, runEvalCommand } from "./eval-command.ts";

const [command, ...args] = process.argv.slice(2);
const io = { out: (text: string) => process.stdout.write(text), err: (text: string) => process.stderr.write(text) };
const commands = `Commands:\n  eval     each model of a chain on its own over a prompt set\n  report   a request log as one HTML page (@understudy/request-log)\n\n${evalUsage}`;

/** Resolves once what was written to `stream` has been handed to the system (a pipe may hold it until then). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    stream.write("", () => resolve());
  });
}

async function main(): Promise<number> {
  if (command === "eval") {
    const interrupt = new AbortController();
    const stop = () => interrupt.abort();
    process.once("SIGINT", stop);
    try {
      return await runEvalCommand(args, { ...io, signal: interrupt.signal });
    } finally {
      process.off("SIGINT", stop);
    }
  }
  if (command === "report") return (await import("@understudy/request-log")).runReportCommand(args, io);
  if (command === "--version" || command === "-v") {
    // The same path from src/cli and dist/cli.
    const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    io.out(`${manifest.version}\n`);
    return 0;
  }
  if (command === "--help" || command === "-h") {
    io.out(commands);
    return 0;
  }
  io.err(`${command === undefined ? "understudy: name a command" : `understudy: no command ${command}`}\n${commands}`);
  return 2;
}

// Exit once the output is flushed, whatever the config left open: a config that
// failed to load may have started servers or timers that nothing else would close.
const code = await main().catch((error: unknown) => {
  io.err(`understudy: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
});
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
