#!/usr/bin/env node
// The `understudy` command. Its one subcommand today is `report`; the name
// leaves room for others without a second binary.
import { readFileSync } from "node:fs";
import { reportUsage, runReportCommand } from "./report-command.ts";

const [command, ...args] = process.argv.slice(2);
const io = { out: (text: string) => process.stdout.write(text), err: (text: string) => process.stderr.write(text) };
const commands = `Commands:\n  report   a request log as one HTML page\n\n${reportUsage}`;

if (command === "report") {
  process.exitCode = await runReportCommand(args, io);
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
