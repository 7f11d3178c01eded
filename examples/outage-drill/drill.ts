import { anthropic } from "@understudy/anthropic";
import {
  type AttemptRecord,
  createFallback,
  type Fallback,
  type FallbackResult,
  type HealthStore,
  isFallbackExhaustedError,
} from "@understudy/core";
import { google } from "@understudy/google";
import { openai } from "@understudy/openai";
import { FaultServer, faults, type RequestLogEntry } from "@understudy/testing";
import { roundMoney } from "./summary.ts";

/** Phase lengths and load of a drill. */
export interface DrillOptions {
  readonly healthyMs: number;
  readonly spikeMs: number;
  readonly outageMs: number;
  readonly recoveryMs: number;
  /** Requests started per second. */
  readonly rate: number;
}

/** The four phases, in order. */
export const phaseNames = ["healthy", "rate-limit spike", "primary outage", "recovery"] as const;
/** One phase's name. */
export type PhaseName = (typeof phaseNames)[number];

/** What happened to one request, as the library reported it. */
export interface RequestOutcome {
  readonly index: number;
  readonly phase: PhaseName;
  readonly startedAt: number;
  readonly model: string | undefined;
  readonly durationMs: number;
  readonly fallbacks: readonly string[];
  readonly skips: readonly string[];
  /** Every call the library made for this request (skips excluded). */
  readonly calls: readonly { readonly model: string; readonly startedAt: number }[];
  readonly error: string | undefined;
  readonly cost: number;
  readonly wastedCost: number;
}

/** Everything a drill produced: the library's view and the server's own log. */
export interface DrillRun {
  readonly phases: readonly { readonly name: PhaseName; readonly from: number; readonly to: number }[];
  readonly outcomes: readonly RequestOutcome[];
  /** What the fault server saw, with the wire format of each request (`anthropic`, `openai` or `gemini`). */
  readonly serverLog: readonly Pick<RequestLogEntry, "time" | "provider" | "model" | "status" | "fault" | "clientHungUp">[];
}

/** The chain's three models, as the fault server knows them: one per provider, each on its own wire format. */
export const drillModels = { primary: "claude-sonnet-4-6", backup: "gpt-4.1-mini", lastResort: "gemini-2.5-flash" } as const;

/** Each model's line: different words, so the report's side-by-side shows who answered what. */
export const drillLines = {
  primary: "The understudy knows every line of this answer.",
  backup: "Every line of this answer, known by heart: the understudy is ready.",
  lastResort: "Lines learned; the understudy takes the stage and answers.",
} as const satisfies Record<keyof typeof drillModels, string>;

/** The cues the drill's requests ask, in turn: each is asked in every phase, so several models answer it. */
export const drillCues = ["Cue 1: say your line.", "Cue 2: say your line.", "Cue 3: say your line."] as const;

/** Something to tell the terminal while the drill runs. */
export type DrillListener = (
  event: { readonly kind: "phase"; readonly phase: PhaseName } | { readonly kind: "done"; readonly outcome: RequestOutcome },
  chat: Fallback,
) => void;

/** Where the drill's providers answer: a fault server, here or in a parent process. */
export type DrillEndpoints = Pick<FaultServer, "anthropicBaseURL" | "openaiBaseURL" | "geminiBaseURL">;

/**
 * Builds the three-model chain against a running fault server: Claude, then
 * GPT, then Gemini, across three providers and their three wire formats.
 */
export function drillChain(server: DrillEndpoints, healthStore?: HealthStore): Fallback {
  const key = "drill-key-not-secret";
  return createFallback({
    ...(healthStore && { healthStore }),
    models: [
      {
        model: anthropic(drillModels.primary, { apiKey: key, baseURL: server.anthropicBaseURL }),
        id: "claude",
        retry: { maxAttempts: 2, initialDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 1_000 },
        breaker: { consecutiveFailures: 3, halfOpenAfterMs: 400 },
        timeout: { firstTokenMs: 2_000, idleMs: 1_000 },
        price: { inputPerMillion: 3, outputPerMillion: 15 },
      },
      {
        model: openai(drillModels.backup, { apiKey: key, baseURL: server.openaiBaseURL }),
        id: "gpt",
        retry: { maxAttempts: 1 },
        breaker: { consecutiveFailures: 3, halfOpenAfterMs: 400 },
        price: { inputPerMillion: 0.4, outputPerMillion: 1.6 },
      },
      {
        model: google(drillModels.lastResort, { apiKey: key, baseURL: server.geminiBaseURL }),
        id: "gemini",
        // Gemini API list price of Gemini 2.5 Flash, paid tier, text (as ai.google.dev/gemini-api/docs/pricing
        // is quoted by several pricing pages, checked with the search tool; not read from Google's page itself).
        price: { inputPerMillion: 0.3, outputPerMillion: 2.5 },
      },
    ],
    deadlineMs: 10_000,
  });
}

/**
 * Runs the drill: steady streamed traffic while the primary goes through a
 * rate-limit spike (429, Retry-After 2 s), a hard outage (529; the backup
 * browns out with 500s in its last third, and Gemini, the last resort,
 * answers) and a recovery. `prepare` sees the chain before the traffic starts
 * (`--otel` instruments it there).
 */
export async function runDrill(
  options: DrillOptions,
  listen: DrillListener = () => {},
  prepare: (chat: Fallback) => void = () => {},
): Promise<DrillRun> {
  const server = await FaultServer.start();
  try {
    const phases = stageOutages(server, options);
    const chat = drillChain(server);
    prepare(chat);
    const outcomes = await sendTraffic(chat, phases, options.rate, listen);
    return { phases, outcomes, serverLog: serverLogOf(server) };
  } finally {
    await server.close();
  }
}

/**
 * Scripts the fault server for a drill starting now: a rate-limit spike (429,
 * Retry-After 2 s), a hard outage of the primary (529; the backup browns out
 * with 500s in its last third) and a recovery. Returns the phase windows.
 */
export function stageOutages(server: FaultServer, options: DrillOptions): DrillRun["phases"] {
  const phases = phaseWindows(server.now() + 50, options);
  const [, spike, outage] = phases as [unknown, { from: number; to: number }, { from: number; to: number }];
  server.outage(drillModels.primary, { ...spike, step: faults.rateLimit({ retryAfterSeconds: 2 }) });
  server.outage(drillModels.primary, { ...outage, step: faults.overloaded() });
  server.outage(drillModels.backup, {
    from: outage.to - (outage.to - outage.from) / 3,
    to: outage.to,
    step: faults.serverError(),
  });
  for (const [role, model] of Object.entries(drillModels))
    server.script(model, () => ({ tokenDelayMs: 3, text: drillLines[role as keyof typeof drillModels] }));
  return phases;
}

/** The server's log, reduced to what the drill checks. */
export function serverLogOf(server: FaultServer): DrillRun["serverLog"] {
  return server.log.map(({ time, provider, model, status, fault, clientHungUp }) => ({
    time,
    provider,
    model,
    status,
    fault,
    clientHungUp,
  }));
}

function phaseWindows(start: number, options: DrillOptions): DrillRun["phases"] {
  const lengths = [options.healthyMs, options.spikeMs, options.outageMs, options.recoveryMs];
  let from = start;
  return phaseNames.map((name, index) => {
    const to = from + (lengths[index] ?? 0);
    const window = { name, from, to };
    from = to;
    return window;
  });
}

/** Sends steady streamed traffic through `chat` across the phase windows; resolves with every request's outcome. */
export async function sendTraffic(
  chat: Fallback,
  phases: DrillRun["phases"],
  rate: number,
  listen: DrillListener,
): Promise<RequestOutcome[]> {
  const end = phases.at(-1)?.to ?? Date.now();
  const pending: Promise<RequestOutcome>[] = [];
  let phase: PhaseName | undefined;
  await sleepUntil(phases[0]?.from ?? Date.now());
  for (let index = 0; Date.now() < end; index++) {
    const now = Date.now();
    const current = phases.find((p) => now >= p.from && now < p.to)?.name ?? "recovery";
    if (current !== phase) {
      phase = current;
      listen({ kind: "phase", phase }, chat);
    }
    pending.push(
      oneRequest(chat, index, current).then((outcome) => {
        listen({ kind: "done", outcome }, chat);
        return outcome;
      }),
    );
    await sleepUntil((phases[0]?.from ?? now) + ((index + 1) * 1_000) / rate);
  }
  return Promise.all(pending);
}

async function oneRequest(chat: Fallback, index: number, phase: PhaseName): Promise<RequestOutcome> {
  const startedAt = Date.now();
  const cue = drillCues[index % drillCues.length] as string;
  // Tagged with its phase, so the request log (and its report) can be filtered by it.
  const stream = chat.stream({ messages: [{ role: "user", content: cue }], maxTokens: 100 }, { tags: { phase } });
  try {
    for await (const _ of stream) {
      // the drill reads every part, as an app rendering the answer would
    }
    return outcomeOf(index, phase, startedAt, await stream.result);
  } catch (error) {
    const attempts = isFallbackExhaustedError(error) ? error.attempts : [];
    return {
      index,
      phase,
      startedAt,
      model: undefined,
      durationMs: Date.now() - startedAt,
      fallbacks: [],
      skips: attempts.filter((a) => a.outcome === "skipped").map((a) => `${a.model}:${a.skipReason}`),
      calls: callsOf(attempts),
      error: error instanceof Error ? error.message.split("\n")[0] : String(error),
      cost: 0,
      wastedCost: 0,
    };
  }
}

function outcomeOf(index: number, phase: PhaseName, startedAt: number, result: FallbackResult): RequestOutcome {
  return {
    index,
    phase,
    startedAt,
    model: result.model,
    durationMs: result.durationMs,
    fallbacks: result.fallbacks.map((f) => `${f.from}→${f.to}:${f.reason}`),
    skips: result.attempts.filter((a) => a.outcome === "skipped").map((a) => `${a.model}:${a.skipReason}`),
    calls: callsOf(result.attempts),
    error: undefined,
    cost: roundMoney(result.cost.total),
    wastedCost: roundMoney(result.cost.wasted),
  };
}

function callsOf(attempts: readonly AttemptRecord[]): RequestOutcome["calls"] {
  return attempts.filter((a) => a.outcome !== "skipped").map((a) => ({ model: a.model, startedAt: a.startedAt }));
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}
