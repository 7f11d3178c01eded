import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV4, LanguageModelV4CallOptions } from "@ai-sdk/provider";
import type { ChatRequest } from "@understudy/core";
import { expectModelError } from "@understudy/testing/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aiSdk } from "./ai-sdk-adapter.ts";
import { maxImageBytes } from "./download-images.ts";

const png = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
let images: Server;
let base = "";
const served: string[] = [];

beforeAll(async () => {
  images = createServer((req, res) => {
    served.push(req.url ?? "");
    // No keep-alive: each test ends with no socket open.
    const close = { connection: "close" };
    if (req.url?.startsWith("/cat.png")) res.writeHead(200, { ...close, "content-type": "image/png" }).end(png);
    else if (req.url === "/huge-chunked.jpg") {
      res.writeHead(200, { ...close, "content-type": "image/jpeg" });
      for (let sent = 0; sent <= maxImageBytes; sent += 1 << 20) res.write(Buffer.alloc(1 << 20));
      res.end();
    } else if (req.url === "/huge.jpg")
      res.writeHead(200, { ...close, "content-type": "image/jpeg" }).end(Buffer.alloc(maxImageBytes + 1));
    else res.writeHead(404, close).end();
  });
  images.listen(0, "127.0.0.1");
  await once(images, "listening");
  base = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
});
afterAll(async () => {
  images.closeAllConnections();
  images.close();
  await once(images, "close");
});

const askWith = (url: string): ChatRequest => ({
  messages: [
    {
      role: "user",
      content: [
        { type: "image", url },
        { type: "text", text: "What is it?" },
      ],
    },
  ],
});
const call = () => ({ signal: new AbortController().signal });

/** A model that records its calls and answers "ok"; it fetches the URLs `supportedUrls` names. */
function recording<Version extends "v3" | "v4">(version: Version, supportedUrls: Record<string, RegExp[]>) {
  const calls: (LanguageModelV3CallOptions | LanguageModelV4CallOptions)[] = [];
  const model = {
    specificationVersion: version,
    provider: "acme.chat",
    modelId: "acme-1",
    supportedUrls,
    async doGenerate(options: LanguageModelV3CallOptions | LanguageModelV4CallOptions) {
      calls.push(options);
      return {
        content: [{ type: "text", text: "ok" }],
        finishReason: { unified: "stop", raw: "stop" },
        usage: {
          inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 1, text: 1, reasoning: 0 },
        },
        warnings: [],
      };
    },
    doStream: () => Promise.reject(new Error("generate only")),
  } as unknown as Version extends "v3" ? LanguageModelV3 : LanguageModelV4;
  return { model, calls };
}

const firstFile = (options: LanguageModelV3CallOptions | LanguageModelV4CallOptions | undefined) =>
  (options?.prompt[0]?.content as { type: string }[] | undefined)?.find((part) => part.type === "file");

describe("image URLs a model cannot fetch itself are downloaded, as generateText would", () => {
  it("v3: the bytes and the served media type replace the URL; a query token never reaches the message", async () => {
    const { model, calls } = recording("v3", {});
    await aiSdk(model).generate(askWith(`${base}/cat.png?token=secret`), call());
    expect(firstFile(calls[0])).toEqual({ type: "file", mediaType: "image/png", data: new Uint8Array(png) });
    expect(served).toContain("/cat.png?token=secret");
  });

  it("v4: the bytes go as data", async () => {
    const { model, calls } = recording("v4", { "application/pdf": [/.*/] });
    await aiSdk(model).generate(askWith(`${base}/cat.png`), call());
    expect(firstFile(calls[0])).toEqual({
      type: "file",
      mediaType: "image/png",
      data: { type: "data", data: new Uint8Array(png) },
    });
  });

  it("a model that fetches the URL itself gets the URL, its subtype made exact", async () => {
    const { model, calls } = recording("v4", { "image/*": [/^http:\/\/127\.0\.0\.1/] });
    const before = served.length;
    await aiSdk(model).generate(askWith(`${base}/cat.png`), call());
    expect(firstFile(calls[0])).toEqual({
      type: "file",
      mediaType: "image/png",
      data: { type: "url", url: new URL(`${base}/cat.png`) },
    });
    expect(served).toHaveLength(before);
  });

  it.each([
    ["a missing image", "/gone.png?sig=abc", /HTTP 404/],
    ["an image over the size limit", "/huge.jpg", /over the \d+ bytes/],
    ["an image over the size limit, without a length", "/huge-chunked.jpg", /over the \d+ bytes/],
  ])("%s is the caller's URL at fault: invalid_request, the model never called", async (_name, path, problem) => {
    const { model, calls } = recording("v3", {});
    const error = await expectModelError(aiSdk(model).generate(askWith(`${base}${path}`), call()));
    expect(error.message).toMatch(problem);
    expect(error.kind).toBe("invalid_request");
    expect(error.message).toMatch(problem);
    expect(error.message).not.toContain("sig=abc");
    expect(calls).toHaveLength(0);
  });
});
