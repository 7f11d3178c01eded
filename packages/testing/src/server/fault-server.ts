import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { quietPause } from "../quiet-pause.ts";
import { anthropicWire } from "./anthropic-wire.ts";
import { describeStep, type FaultStep, type KeyEcho } from "./fault-step.ts";
import { geminiPath, geminiWire } from "./gemini-wire.ts";
import { openaiWire } from "./openai-wire.ts";
import type { FaultScript, ScriptedRequest } from "./scripted-request.ts";
import {
  type Answer,
  type FailureContext,
  type HttpReply,
  type ParsedRequest,
  tokensOf,
  type WireFormat,
  type WireProvider,
} from "./wire-format.ts";

/** One request the server received. */
export interface RequestLogEntry {
  /** When it arrived, on the server's clock (epoch ms). */
  readonly time: number;
  /** Which wire format it used. */
  readonly provider: WireProvider;
  /** The request's path and query (`/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse`). */
  readonly path: string;
  /** The model: the body's `model` field, or (Gemini) the one the URL names. */
  readonly model: string;
  /** The request's number for this model since the last reset (1 for the first). */
  readonly attempt: number;
  /** Whether it asked for a stream. */
  readonly stream: boolean;
  /** What the server did (`answer`, `overloaded`, `cut@3`, `silent`, …). */
  readonly fault: string;
  /** The prompt's size, in estimated tokens. */
  readonly promptTokens: number;
  /** The text of the request's last user message, as a script sees it ({@link ScriptedRequest.lastUserText}). */
  readonly lastUserText: string;
  /** The request body as received (parsed JSON), to assert what a client sent on the wire. */
  readonly body: Readonly<Record<string, unknown>>;
  /** The HTTP status sent, if any. */
  status: number | undefined;
  /** Whether the client closed the connection before the answer was complete. */
  clientHungUp: boolean;
  /** When the answer ended or the client left, on the server's clock. */
  endTime: number | undefined;
  /**
   * Why the server answered a 500 of its own (fault `script-error`): the
   * model's script threw, or returned something that is not a step. Also set
   * when a step could not be rendered. `undefined` otherwise.
   */
  error: string | undefined;
}

/** A model's standing behaviour, beyond its script. */
export interface ModelBehaviour {
  /** Answer 400 to a request that ends in an assistant message (a prefill). */
  readonly rejectsPrefill?: boolean;
  /** Answer `context_length` to prompts estimated above this many tokens. */
  readonly contextWindow?: number;
}

/** A time window in which a model answers every request with one step. */
export interface Outage {
  /** Start, on the server's clock (epoch ms), inclusive. */
  readonly from: number;
  /** End, on the server's clock (epoch ms), exclusive. */
  readonly to: number;
  /** What the model does meanwhile. Default: `overloaded`. */
  readonly step?: FaultStep;
}

/** Options of {@link FaultServer.start}. */
export interface FaultServerOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number;
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** The server's clock for outage windows and the log. Default `Date.now`. */
  readonly clock?: () => number;
}

const maxBodyBytes = 16 * 1024 * 1024;

/**
 * An HTTP server on loopback that speaks the OpenAI Chat Completions, the
 * Anthropic Messages and the Gemini `generateContent` wire formats (JSON and
 * SSE) closely enough for the real SDKs, and fails on demand: per model and
 * per attempt, every fault a real provider produces. Point a client's base URL
 * at it.
 *
 * @example
 * ```ts
 * const server = await FaultServer.start();
 * server.script("claude-sonnet-4-6", [faults.overloaded(), faults.overloaded()]);
 * const client = new Anthropic({ apiKey: "test", baseURL: server.anthropicBaseURL });
 * // … requests; then
 * server.requestsFor("claude-sonnet-4-6").length; // 3: two 529s, then an answer
 * await server.close();
 * ```
 */
export class FaultServer {
  /** The server's base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Every request since the last reset, in order of arrival. */
  readonly log: RequestLogEntry[] = [];
  private readonly server: Server;
  private readonly clock: () => number;
  private readonly scripts = new Map<string, FaultScript>();
  private readonly behaviours = new Map<string, ModelBehaviour>();
  private readonly outages = new Map<string, Outage[]>();
  private readonly attempts = new Map<string, number>();
  private readonly inFlight = new Map<AbortController, ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private answers = 0;
  private resetting = false;

  private constructor(server: Server, clock: () => number) {
    this.server = server;
    this.clock = clock;
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    server.on("connection", (socket: Socket) => {
      // A client may reconnect for a request it gave up while reset() closes
      // everything: such a late socket would outlive the reset, so it goes too.
      if (this.resetting) {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  /** Starts a server; resolves once it listens. */
  static async start(options: FaultServerOptions = {}): Promise<FaultServer> {
    let instance: FaultServer | undefined;
    const server = createServer((req, res) => {
      instance?.handle(req, res).catch((error: unknown) => instance?.replyBroken(res, error));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
    });
    instance = new FaultServer(server, options.clock ?? Date.now);
    return instance;
  }

  /** The `baseURL` for the `openai` SDK. */
  get openaiBaseURL(): string {
    return `${this.url}/v1`;
  }

  /** The `baseURL` for the `@anthropic-ai/sdk` SDK. */
  get anthropicBaseURL(): string {
    return this.url;
  }

  /**
   * The `httpOptions.baseUrl` for the `@google/genai` SDK:
   * `new GoogleGenAI({ apiKey, httpOptions: { baseUrl: server.geminiBaseURL } })`.
   * The server's root, without a version: the SDK drops a trailing slash and appends
   * `/{apiVersion}/models/{model}:generateContent` (or `:streamGenerateContent?alt=sse`), where
   * `apiVersion` is `v1` by default in @google/genai 3 (`v1beta` in 1.x and 2.x, or when asked);
   * `v1`, `v1beta` and `v1alpha` are all served. Gemini API mode only (Vertex AI's
   * `projects/…/locations/…` paths are not served).
   */
  get geminiBaseURL(): string {
    return this.url;
  }

  /** Now, on the server's clock. */
  now(): number {
    return this.clock();
  }

  /**
   * Scripts a model: step N answers its Nth request (counted since the last
   * reset); requests past the list get `otherwise` (a healthy answer by
   * default; a {@link FaultScript} to go on by request).
   *
   * A function instead picks each request's step itself: it gets the
   * attempt number and the request ({@link ScriptedRequest}: its prompt,
   * tools, JSON format…), so that concurrent requests get answers chosen by
   * what they ask rather than by their order of arrival
   * ({@link faults.byPrompt} writes such a function from rules). `otherwise`
   * is not used then. A script that throws gets the request a 500 (the log
   * entry's `error` says why) rather than an answer. Outages and
   * {@link ModelBehaviour} come first: the script is not asked for requests
   * they answer (they still count as attempts).
   *
   * @example
   * ```ts
   * server.script("gpt-4.1", (attempt, request) =>
   *   request.wantsJson ? { text: '{"answer": 42}' } : attempt === 1 ? faults.overloaded() : {},
   * );
   * ```
   */
  script(model: string, steps: readonly FaultStep[] | FaultScript, otherwise: FaultStep | FaultScript = {}): this {
    const after = (attempt: number, request: ScriptedRequest) =>
      typeof otherwise === "function" ? otherwise(attempt, request) : otherwise;
    this.scripts.set(
      model,
      typeof steps === "function" ? steps : (attempt, request) => steps[attempt - 1] ?? after(attempt, request),
    );
    return this;
  }

  /** Sets a model's standing behaviour (prefill rejection, context window). */
  behave(model: string, behaviour: ModelBehaviour): this {
    this.behaviours.set(model, behaviour);
    return this;
  }

  /** Takes a model down between two instants of the server's clock; it answers normally outside. */
  outage(model: string, outage: Outage): this {
    this.outages.set(model, [...(this.outages.get(model) ?? []), outage]);
    return this;
  }

  /** The requests for one model since the last reset. */
  requestsFor(model: string): RequestLogEntry[] {
    return this.log.filter((entry) => entry.model === model);
  }

  /**
   * Forgets scripts, behaviours, outages, attempt counts and the log, ends
   * requests still open and closes every connection (keep-alive ones
   * included), so that no socket outlives a test. Resolves once the sockets
   * are closed and a client in this process has seen it: await it before the
   * next request.
   */
  async reset(): Promise<void> {
    this.scripts.clear();
    this.behaviours.clear();
    this.outages.clear();
    this.attempts.clear();
    this.log.length = 0;
    this.resetting = true;
    try {
      this.abortInFlight();
      const closing = [...this.sockets].map((socket) => new Promise((resolve) => socket.once("close", resolve)));
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
      await Promise.all(closing);
      // A client in this process learns of the close in its next I/O phase; until
      // then it would send its next request down a dead kept-alive socket.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      this.resetting = false;
    }
  }

  /** Ends every open request and stops listening. */
  async close(): Promise<void> {
    this.abortInFlight();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private abortInFlight(): void {
    for (const [controller, res] of this.inFlight) {
      controller.abort();
      res.destroy();
    }
    this.inFlight.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const wire = req.method === "POST" ? routeOf(url.pathname) : undefined;
    if (!wire) {
      send(res, {
        status: 404,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ error: { message: `no route ${req.method} ${req.url}`, type: "not_found" } }),
      });
      return;
    }
    const raw = await readBody(req);
    const body = raw === undefined ? undefined : parseJson(raw);
    const parsed = raw === undefined ? undefined : wire.parse(body, url);
    if (!parsed || "status" in parsed) {
      send(res, parsed ?? wire.failure("invalid_request", this.failureContext(req, url)));
      return;
    }
    const controller = new AbortController();
    this.inFlight.set(controller, res);
    const attempt = (this.attempts.get(parsed.model) ?? 0) + 1;
    this.attempts.set(parsed.model, attempt);
    const chosen = this.stepFor(parsed, attempt);
    const step = "error" in chosen ? {} : chosen.step;
    const fault = "error" in chosen ? "script-error" : describeStep(step);
    const entry = this.logRequest(wire, parsed, url, attempt, fault, body as Record<string, unknown>);
    res.on("close", () => {
      if (!res.writableFinished) entry.clientHungUp = true;
      entry.endTime = this.clock();
      controller.abort();
      this.inFlight.delete(controller);
    });
    if ("error" in chosen) {
      entry.error = chosen.error;
      entry.status = send(res, brokenReply(chosen.error));
      return;
    }
    try {
      await this.perform(step, { wire, parsed, url, req, res, entry, signal: controller.signal });
    } catch (error) {
      entry.error = `the step ${fault} failed: ${messageOf(error)}`;
      entry.status = this.replyBroken(res, error);
    }
  }

  private logRequest(
    wire: WireFormat,
    parsed: ParsedRequest,
    url: URL,
    attempt: number,
    fault: string,
    body: Record<string, unknown>,
  ): RequestLogEntry {
    const entry: RequestLogEntry = {
      time: this.clock(),
      provider: wire.provider,
      path: `${url.pathname}${url.search}`,
      model: parsed.model,
      attempt,
      stream: parsed.stream,
      fault,
      promptTokens: Math.ceil(parsed.promptChars / 4),
      lastUserText: parsed.request.lastUserText,
      body,
      status: undefined,
      clientHungUp: false,
      endTime: undefined,
      error: undefined,
    };
    this.log.push(entry);
    return entry;
  }

  /** The step for a request, or why its script gave none. */
  private stepFor(parsed: ParsedRequest, attempt: number): { readonly step: FaultStep } | { readonly error: string } {
    const now = this.clock();
    const outage = this.outages.get(parsed.model)?.find((o) => now >= o.from && now < o.to);
    if (outage) return { step: outage.step ?? { failure: "overloaded" } };
    const behaviour = this.behaviours.get(parsed.model);
    if (behaviour?.rejectsPrefill && parsed.endsWithAssistant) return { step: { failure: "prefill_rejected" } };
    if (behaviour?.contextWindow !== undefined && Math.ceil(parsed.promptChars / 4) > behaviour.contextWindow) {
      return { step: { failure: "context_length" } };
    }
    const script = this.scripts.get(parsed.model);
    if (!script) return { step: {} };
    const where = `the script of ${JSON.stringify(parsed.model)}, on attempt ${attempt},`;
    let step: unknown;
    try {
      step = script(attempt, parsed.request);
    } catch (error) {
      return { error: `${where} threw: ${messageOf(error)}` };
    }
    if (step === undefined || step === null) return { step: {} };
    if (typeof (step as { then?: unknown }).then === "function") {
      return { error: `${where} returned a promise: a script returns a FaultStep, synchronously` };
    }
    if (typeof step !== "object" || Array.isArray(step)) {
      return { error: `${where} returned ${Array.isArray(step) ? "an array" : typeof step}, not a FaultStep` };
    }
    return { step: step as FaultStep };
  }

  private async perform(step: FaultStep, call: Call): Promise<void> {
    const { wire, req, res, entry, signal } = call;
    if (step.delayMs) await quietPause(step.delayMs, signal);
    if (signal.aborted) return;
    if (step.resetConnection) {
      req.socket.resetAndDestroy();
      return;
    }
    if (step.hang) {
      await quietPause(Number.POSITIVE_INFINITY, signal);
      return;
    }
    const echo = keyEchoOf(step, req, call.url);
    if (step.rawBody) {
      const { status = 200, contentType = "application/json", body } = step.rawBody;
      const reply = { status, headers: { "content-type": contentType }, body: echoInto(body, echo, wire.provider) };
      entry.status = send(res, withRequestId(wire, reply, echo));
      return;
    }
    if (step.failure) {
      const reply = wire.failure(step.failure, this.failureContext(req, call.url, call.parsed, step));
      entry.status = send(res, withRequestId(wire, { ...reply, body: echoInto(reply.body, echo, wire.provider) }, echo));
      return;
    }
    const answer = this.answerOf(step, call.parsed, wire, echo);
    if (!call.parsed.stream) {
      entry.status = send(
        res,
        withRequestId(
          wire,
          {
            status: 200,
            headers: { "content-type": "application/json", ...wire.windowHeaders(this.clock()) },
            body: wire.json(answer),
          },
          echo,
        ),
      );
      return;
    }
    entry.status = 200;
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      ...(echo?.places.has("request-id")
        ? { [wire.requestIdHeader]: `req_${echo.text}` }
        : wire.sendsRequestId === false
          ? {}
          : { [wire.requestIdHeader]: requestIdOf(wire, entry) }),
      ...wire.windowHeaders(this.clock()),
    });
    res.flushHeaders();
    await this.streamAnswer(step, answer, call, echo);
  }

  private async streamAnswer(step: FaultStep, answer: Answer, call: Call, echo: Echo | undefined): Promise<void> {
    const { wire, res, req, signal } = call;
    const events = wire.events(answer, {
      includeUsage: call.parsed.includeUsage,
      omitDone: step.omitDone === true,
      separateFinish: step.separateFinishChunk === true,
    });
    let tokens = 0;
    for (const event of events) {
      if (event.content) {
        if (tokens === step.streamFailure?.afterTokens) {
          const context = this.failureContext(req, call.url, call.parsed, step);
          const failure = wire.streamFailure(step.streamFailure.failure, context);
          res.end(echoInto(failure.text, echo, wire.provider));
          return;
        }
        if (tokens === step.cutAfterTokens) {
          res.end();
          return;
        }
        if (tokens === step.resetAfterTokens) {
          req.socket.resetAndDestroy();
          return;
        }
        if (tokens === step.stallAfterTokens) {
          await quietPause(Number.POSITIVE_INFINITY, signal);
          return;
        }
        if (tokens === step.malformedAfterTokens) {
          res.end(wire.malformed(answer).text);
          return;
        }
        await quietPause(tokens === 0 ? (step.firstTokenDelayMs ?? 0) : (step.tokenDelayMs ?? 0), signal);
        if (signal.aborted) return;
        tokens++;
      }
      res.write(event.text);
    }
    res.end();
  }

  private answerOf(step: FaultStep, parsed: ParsedRequest, wire: WireFormat, echo: Echo | undefined): Answer {
    const n = ++this.answers;
    const text = step.text ?? (step.toolCalls ? "" : `This is ${parsed.model} answering.`);
    const toolCalls = (step.toolCalls ?? []).map((call, index) => ({
      id: call.id ?? `${callIdPrefix[wire.provider]}${n}_${index}`,
      name: call.name,
      args: call.args ?? {},
      argsText: call.argsText ?? JSON.stringify(call.args ?? {}),
      omitId: call.omitId === true,
      thoughtSignature: call.thoughtSignature,
    }));
    const promptTokens = Math.ceil(parsed.promptChars / 4);
    const cached = Math.min(step.cachedTokens ?? 0, promptTokens);
    const output = tokensOf(text).length + toolCalls.reduce((sum, call) => sum + Math.ceil(call.argsText.length / 4), 0);
    const idTail = echo?.places.has("response-id") ? echo.text : `fault${n}`;
    return {
      id: `${responseIdPrefix[wire.provider]}${idTail}`,
      model: parsed.model,
      text,
      toolCalls,
      finishReason: step.finishReason ?? (toolCalls.length > 0 ? "tool-calls" : "stop"),
      ...(step.rawFinishReason === undefined ? {} : { rawFinishReason: step.rawFinishReason }),
      usage: { input: promptTokens - cached, output: Math.max(1, output), cached, reasoning: step.reasoningTokens ?? 0 },
      ...(step.usage ? { rawUsage: step.usage } : {}),
    };
  }

  private failureContext(req: IncomingMessage, url: URL, parsed?: ParsedRequest, step?: FaultStep): FailureContext {
    return {
      model: parsed?.model ?? "unknown",
      retry: step?.retry,
      now: this.clock(),
      apiKey: apiKeyOf(req, url),
      stream: parsed?.stream ?? false,
      url,
      promptTokens: Math.ceil((parsed?.promptChars ?? 0) / 4),
    };
  }

  /** Answers a 500 of the server's own for an error of its own (or ends a stream already started); returns the status. */
  private replyBroken(res: ServerResponse, error: unknown): number {
    if (res.headersSent) {
      res.destroy();
      return res.statusCode;
    }
    return send(res, brokenReply(messageOf(error)));
  }
}

interface Call {
  readonly wire: WireFormat;
  readonly parsed: ParsedRequest;
  readonly url: URL;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly entry: RequestLogEntry;
  readonly signal: AbortSignal;
}

/** What a step's `echoApiKey` repeats (JSON-safe), and where. */
interface Echo {
  readonly text: string;
  readonly places: ReadonlySet<NonNullable<KeyEcho["in"]>[number]>;
}

/** Provider key prefixes, which `unprefixed` leaves out. */
const keyPrefix = /^(?:sk-(?:proj-|ant-(?:[a-z]+\d+-)?|or-(?:v\d+-)?)?|gsk_|xai-|AIza)/;

/** The prefix of a tool call's default id, and of an answer's id, per format. */
const callIdPrefix: Record<WireProvider, string> = { openai: "call_fault", anthropic: "toolu_fault", gemini: "fc_fault" };
const responseIdPrefix: Record<WireProvider, string> = { openai: "chatcmpl-", anthropic: "msg_", gemini: "" };

function keyEchoOf(step: FaultStep, req: IncomingMessage, url: URL): Echo | undefined {
  if (!step.echoApiKey) return undefined;
  const { part = "full", in: places = ["message"] } = step.echoApiKey === true ? {} : step.echoApiKey;
  const key = apiKeyOf(req, url) ?? "<none>";
  const middle = Math.floor(key.length / 2);
  const text = part === "middle" ? key.slice(middle - 6, middle + 6) : part === "unprefixed" ? key.replace(keyPrefix, "") : key;
  return { text: JSON.stringify(text).slice(1, -1), places: new Set(places) };
}

/** An error body (JSON, or an SSE event carrying it) with the echo in its message and code, where asked. */
function echoInto(text: string, echo: Echo | undefined, provider: WireProvider): string {
  if (!echo) return text;
  let echoed = text;
  // Gemini pretty-prints its bodies (`"message": "…"`); its SSE chunks are compact.
  if (echo.places.has("message")) {
    echoed = echoed.replace(/"message":( ?)"/, (_, space: string) => `"message":${space}"key ${echo.text} rejected: `);
  }
  const geminiStatus = /"status":( ?)"[^"]*"/;
  if (echo.places.has("code") && provider === "gemini" && geminiStatus.test(echoed)) {
    // Gemini's `error.code` is the HTTP status, a number the SDK needs; its code in words is `error.status`.
    echoed = echoed.replace(geminiStatus, (_, space: string) => `"status":${space}"${echo.text}"`);
  } else if (echo.places.has("code")) {
    // OpenAI's error carries a `code`; Anthropic's names itself by `error.type`.
    echoed = /"code":(?:null|"[^"]*"|\d+)/.test(echoed)
      ? echoed.replace(/"code":(?:null|"[^"]*"|\d+)/, `"code":"${echo.text}"`)
      : echoed.replace(/"error":\{"type":"[^"]*"/, `"error":{"type":"${echo.text}"`);
  }
  return echoed;
}

/** The key a client sent: `x-api-key` (Anthropic), `x-goog-api-key` or `?key=` (Gemini), `Authorization: Bearer` (OpenAI). */
function apiKeyOf(req: IncomingMessage, url: URL): string | undefined {
  const bearer = req.headers.authorization?.replace(/^Bearer\s+/i, "");
  const header = (name: string) => req.headers[name] as string | undefined;
  return header("x-api-key") ?? header("x-goog-api-key") ?? bearer ?? url.searchParams.get("key") ?? undefined;
}

function routeOf(path: string): WireFormat | undefined {
  if (path === "/v1/chat/completions" || path === "/chat/completions") return openaiWire;
  if (path === "/v1/messages") return anthropicWire;
  if (geminiPath.test(path)) return geminiWire;
  return undefined;
}

/** The body as text, or `undefined` when it is larger than the server takes. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A 500 of the server's own (a script that threw, a step it could not render):
 * `x-should-retry: false`, as the OpenAI and Anthropic SDKs would otherwise
 * retry a mistake that repeats itself.
 */
function brokenReply(message: string): HttpReply {
  return {
    status: 500,
    headers: { "content-type": "application/json", "x-should-retry": "false" },
    body: JSON.stringify({ error: { message: `fault server: ${message}`, type: "server_error", code: "fault_server_error" } }),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, reply: HttpReply): number {
  if (res.headersSent || res.destroyed) return reply.status;
  res.writeHead(reply.status, { "content-length": Buffer.byteLength(reply.body), ...reply.headers });
  res.end(reply.body);
  return reply.status;
}

function withRequestId(wire: WireFormat, reply: HttpReply, echo: Echo | undefined): HttpReply {
  if (wire.sendsRequestId === false && !echo?.places.has("request-id")) return reply;
  const id = echo?.places.has("request-id") ? `req_${echo.text}` : `req_fault_${Date.now().toString(36)}`;
  return { ...reply, headers: { ...reply.headers, [wire.requestIdHeader]: id } };
}

function requestIdOf(wire: WireFormat, entry: RequestLogEntry): string {
  return `req_fault_${wire.provider}_${entry.model}_${entry.attempt}`;
}
