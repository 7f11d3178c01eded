import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const buildDir = new URL("../../node_modules/@portkey-ai/gateway/build/", import.meta.url);

// @portkey-ai/gateway 1.15.2 on Node fails every streamed answer with 500
// ("TypeError: immutable"): it appends headers to the upstream fetch Response
// it passes through (Portkey-AI/gateway#1550). This is the fix proposed in
// Portkey-AI/gateway#1551, unreleased: copy such a response before its
// headers are touched. The patched script sits beside the original, so its
// imports resolve the same.
const unpatched = "return r?(i=t,c=s):";
const patched =
  "return r?(i=this.context.isStreaming?new Response(t.body,{status:t.status,statusText:t.statusText,headers:new Headers(t.headers)}):t,c=s):";

async function patchedStartScript(): Promise<string> {
  const source = await readFile(new URL("start-server.js", buildDir), "utf8");
  if (source.split(unpatched).length !== 2) {
    throw new Error(
      "The Portkey gateway's start script changed: the fix for Portkey-AI/gateway#1550 no longer applies. Check whether the new version still needs it and update bench/src/systems/portkey-gateway.ts.",
    );
  }
  const script = fileURLToPath(new URL("start-server.understudy-bench.js", buildDir));
  await writeFile(script, source.replace(unpatched, patched));
  return script;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function waitUntilAnswering(url: string, gateway: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (gateway.exitCode !== null) throw new Error(`The Portkey gateway exited (${gateway.exitCode}):\n${output()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`The Portkey gateway did not answer at ${url} within 20 s:\n${output()}`);
}

/** A Portkey gateway (`@portkey-ai/gateway`), run as its own process on loopback, as its README starts it. */
export class PortkeyGateway {
  /** The gateway's base URL for the openai SDK (`…/v1`). */
  readonly baseURL: string;
  private readonly process: ChildProcess;

  private constructor(baseURL: string, gatewayProcess: ChildProcess) {
    this.baseURL = baseURL;
    this.process = gatewayProcess;
  }

  static async start(): Promise<PortkeyGateway> {
    const port = await freePort();
    const gateway = spawn(process.execPath, [await patchedStartScript(), `--port=${port}`, "--headless"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_ENV: "production" },
    });
    let output = "";
    gateway.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    gateway.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    await waitUntilAnswering(`http://127.0.0.1:${port}/`, gateway, () => output);
    return new PortkeyGateway(`http://127.0.0.1:${port}/v1`, gateway);
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null) return;
    const exited = once(this.process, "exit");
    this.process.kill();
    await exited;
  }
}
