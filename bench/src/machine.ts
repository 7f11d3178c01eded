import { readFile } from "node:fs/promises";
import { cpus, type as osType, release, totalmem } from "node:os";

/** The machine a run was made on, as one line. */
export function machineText(): string {
  const cores = cpus();
  return `${cores[0]?.model.trim() ?? "unknown CPU"}, ${cores.length} cores, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, ${osType()} ${release()}, Node ${process.version}`;
}

/** The installed version of a package in the bench's node_modules. */
export async function installedVersion(name: string): Promise<string> {
  const manifest = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  try {
    return (JSON.parse(await readFile(manifest, "utf8")) as { version: string }).version;
  } catch {
    return "not installed";
  }
}
