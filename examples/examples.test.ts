import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** Runs an example the way the README says, against the workspace sources. */
function runExample(file: string) {
  return run(process.execPath, ["--conditions=@understudy/source", here(file)], { timeout: 30_000 });
}

describe("examples", () => {
  it("quick-start answers from the backup after the primary's retries", async () => {
    const { stdout } = await runExample("./quick-start.ts");
    expect(stdout).toContain("switched scripted:primary → scripted:backup (overloaded)");
    expect(stdout).toContain("Hello from the backup! — answered by scripted:backup after 3 attempts");
  });

  it("the README shows quick-start.ts exactly as it is", () => {
    const readme = readFileSync(here("../README.md"), "utf8");
    const example = readFileSync(here("./quick-start.ts"), "utf8");
    expect(readme).toContain(example.trim());
  });
});
