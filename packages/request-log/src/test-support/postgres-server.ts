import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";

/** A PostgreSQL server started for one test file on a loopback port, in a temp data dir. */
export interface TestPostgres {
  /** A connection string to a fresh database of its own. */
  database(): Promise<string>;
}

const installHint = "install it with `apt-get install -y postgresql` (Debian/Ubuntu) or `brew install postgresql`";

/** The directory of `initdb` and `pg_ctl`: Debian keeps them off PATH, in /usr/lib/postgresql/<version>/bin. */
function postgresBin(): string | undefined {
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((name) => existsSync(join(debian, name, "bin", "pg_ctl")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(debian, versions[0], "bin");
  }
  try {
    execFileSync("pg_ctl", ["--version"], { stdio: "ignore" });
    return "";
  } catch {
    return undefined;
  }
}

/**
 * Whether PostgreSQL can run here. In CI (`CI=true`) a missing server is an
 * error, so the PostgreSQL tests never pass by being skipped.
 */
export function postgresAvailable(): boolean {
  if (postgresBin() !== undefined) return true;
  if (process.env.CI === "true") {
    throw new Error(`PostgreSQL is not installed, and CI needs the @understudy/request-log/postgres tests: ${installHint}`);
  }
  console.warn(`@understudy/request-log PostgreSQL tests skipped: PostgreSQL is not installed; ${installHint}`);
  return false;
}

/**
 * Starts a server before the file's tests (initdb refuses root: as root, the
 * data dir belongs to `nobody` and the server runs as it), stops it and
 * removes the dir after them. `pg_ctl` daemonizes it, so the test process
 * keeps no handle on it.
 */
export function useTestPostgres(): TestPostgres {
  let dir: string | undefined;
  let port = 0;
  let databases = 0;
  const bin = postgresBin() ?? "";
  const tool = (name: string) => (bin ? join(bin, name) : name);
  const asOwner = (command: string, args: string[]) => {
    const root = process.getuid?.() === 0;
    execFileSync(root ? "runuser" : command, root ? ["-u", "nobody", "--", command, ...args] : args, { stdio: "ignore" });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "understudy-pg-"));
    if (process.getuid?.() === 0) chownSync(dir, 65534, 65534);
    port = await freePort();
    const data = join(dir, "data");
    asOwner(tool("initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]);
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    asOwner(tool("pg_ctl"), ["-D", data, "-o", options, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
  }, 90_000);

  afterAll(() => {
    if (!dir) return;
    try {
      asOwner(tool("pg_ctl"), ["-D", join(dir, "data"), "-m", "immediate", "-w", "stop"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    }
  }, 60_000);

  return {
    async database() {
      const name = `log_${process.pid}_${databases++}`;
      const admin = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}
