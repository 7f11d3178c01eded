import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

/** A fresh directory per test, removed after it; returns a function giving paths inside it. */
export function useTempDir(): (name?: string) => string {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return (name = "log.db") => {
    dir ??= mkdtempSync(join(tmpdir(), "understudy-request-log-"));
    return join(dir, name);
  };
}
