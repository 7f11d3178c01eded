import { createHash } from "node:crypto";
import { type FileHandle, open, readFile } from "node:fs/promises";
import type { ChatRequest, FinishReason } from "@understudy/core";
import type { EvalAnswer } from "../checks/check.ts";
import { EvalSuiteError } from "../suite/eval-suite-error.ts";
import type { CallMeasure } from "./eval-run.ts";

/** The first line of every results file: what the file is, so no other file is taken for one (or appended to). */
export const resultsFileHeader: ResultsFileHeader = { format: "understudy.eval-results", v: 1 };

/** The first line of a results file, saying what it is. */
export interface ResultsFileHeader {
  /** Always `understudy.eval-results`. */
  readonly format: "understudy.eval-results";
  /** The format's version. */
  readonly v: 1;
}

const headerLine = JSON.stringify(resultsFileHeader);

/**
 * An answer as a results file stores it: each tool call's arguments as the
 * model wrote them (`argsText`), not parsed — they are parsed again when read.
 */
export interface StoredAnswer extends Omit<EvalAnswer, "toolCalls"> {
  /** The tool calls: name and arguments text. */
  readonly toolCalls: readonly StoredToolCall[];
}

/** A tool call as a results file keeps it: its arguments as the text the model sent (parsed again when read). */
export interface StoredToolCall {
  /** The tool's name. */
  readonly name: string;
  /** The arguments, as sent. */
  readonly argsText: string;
}

/**
 * One line of a results file: a prompt answered by a model, written as soon
 * as its checks are done. `checks` holds only the verdicts of checks with a
 * fingerprint (a judge's), which a resumed run reuses; every other check runs
 * again on the stored answer.
 */
export interface ResultsRecord extends Omit<CallMeasure, "answer"> {
  /** The format's version: 1. */
  readonly v: 1;
  /** The suite's name. */
  readonly suite: string;
  /** The prompt's id. */
  readonly promptId: string;
  /** The chain id of the model. */
  readonly model: string;
  /** The model's provider (its adapter's `provider`): a chain id pointed at another provider runs again. */
  readonly provider: string;
  /** The model as its provider knows it (its adapter's `modelId`): a chain id pointed at another model runs again. */
  readonly modelId: string;
  /** A hash of the request sent: a prompt edited since is run again. */
  readonly requestHash: string;
  /** Epoch ms the outcome was written. */
  readonly finishedAt: number;
  /** The answer, when there is one. */
  readonly answer?: StoredAnswer;
  /** Stored verdicts of fingerprinted checks. */
  readonly checks: readonly StoredVerdict[];
}

/** A fingerprinted check's verdict, as stored. */
export interface StoredVerdict {
  /** The check's name. */
  readonly check: string;
  /** The check's fingerprint when it ran: a verdict is reused only for the same one. */
  readonly fingerprint: string;
  /** Whether the answer passed. */
  readonly pass: boolean;
  /** Why. */
  readonly reason: string;
}

/** Which model answered: the chain id, and the provider's model behind it. */
export interface ModelTarget {
  /** The chain id. */
  readonly model: string;
  /** The adapter's provider. */
  readonly provider: string;
  /** The adapter's model id. */
  readonly modelId: string;
}

/** The key of a pair in a results file. */
export function recordKey(suite: string, promptId: string, target: ModelTarget, requestHash: string): string {
  return JSON.stringify([suite, promptId, target.model, target.provider, target.modelId, requestHash]);
}

/** A hash of a request: sha-256 of its JSON with keys sorted, 16 hex digits. */
export function requestHash(request: ChatRequest): string {
  return createHash("sha256").update(canonicalJson(request)).digest("hex").slice(0, 16);
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, node: unknown) =>
    typeof node === "object" && node !== null && !Array.isArray(node)
      ? Object.fromEntries(Object.entries(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : node,
  );
}

/** The answer as stored: tool calls keep their arguments' text only. */
export function storedAnswer(answer: EvalAnswer): StoredAnswer {
  return { ...answer, toolCalls: answer.toolCalls.map(({ name, argsText }) => ({ name, argsText })) };
}

/** A stored answer as the checks see it: each tool call's arguments parsed again (undefined when they are not JSON). */
export function answerOf(stored: StoredAnswer): EvalAnswer {
  return {
    ...stored,
    toolCalls: stored.toolCalls.map(({ name, argsText }) => ({ name, argsText, args: parseArgs(argsText) })),
  };
}

function parseArgs(argsText: string): unknown {
  try {
    return JSON.parse(argsText.trim() === "" ? "{}" : argsText);
  } catch {
    return undefined;
  }
}

/** What {@link readResults} found. */
export interface ResultsRead {
  /** The suite's records, by {@link recordKey}; a later line of the same pair wins. */
  readonly records: Map<string, ResultsRecord>;
  /** The lines ignored, in words. */
  readonly warnings: string[];
  /** Whether the file ends with a line break (a line cut by a crash does not). */
  readonly endsCleanly: boolean;
  /** Whether the file has no header yet (it does not exist, or is empty). */
  readonly fresh: boolean;
}

/**
 * Reads the records of `suite` from a results file (none when it does not
 * exist). A file whose first line is not the results file's header is
 * refused (`EvalSuiteError`, code `results-file`): it is some other file, and
 * appending to it would spoil it. A line that is not a record — the last
 * line cut by a crash — is ignored, with one warning for all of them; a
 * later record of the same pair wins.
 */
export async function readResults(path: string, suite: string): Promise<ResultsRead> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT")
      return { records: new Map(), warnings: [], endsCleanly: true, fresh: true };
    throw error;
  }
  const lines = text.split("\n");
  const filled = lines.flatMap((line, index) => (line.trim() === "" ? [] : [index]));
  const endsCleanly = text === "" || text.endsWith("\n");
  const [first] = filled;
  if (first === undefined) return { records: new Map(), warnings: [], endsCleanly, fresh: true };
  if (!isHeader(lines[first] ?? "")) {
    throw new EvalSuiteError(
      "results-file",
      `${path} is not a results file of understudy eval (its first line is not ${headerLine}): name a new file, or delete this one`,
      { line: first + 1 },
    );
  }
  const records = new Map<string, ResultsRecord>();
  const bad: number[] = [];
  for (const index of filled.slice(1)) {
    const record = recordOf(lines[index] ?? "");
    if (!record) {
      bad.push(index);
      continue;
    }
    if (record.suite !== suite) continue;
    records.set(recordKey(record.suite, record.promptId, record, record.requestHash), record);
  }
  const last = filled.at(-1);
  const warnings: string[] = [];
  if (bad.length === 1) {
    const [index = 0] = bad;
    const what = index === last && !endsCleanly ? "a truncated last line" : "a corrupt line";
    warnings.push(`${path}:${index + 1}: ignored ${what} (that pair runs again)`);
  } else if (bad.length > 1) {
    const shown = bad.slice(0, 5).map((index) => index + 1);
    const more = bad.length > shown.length ? `, and ${bad.length - shown.length} more` : "";
    warnings.push(
      `${path}: ignored ${bad.length} lines that are not records (lines ${shown.join(", ")}${more}); their pairs run again`,
    );
  }
  return { records, warnings, endsCleanly, fresh: false };
}

function isHeader(line: string): boolean {
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    return value?.format === resultsFileHeader.format && value.v === resultsFileHeader.v;
  } catch {
    return false;
  }
}

const finishReasons = new Set(["stop", "length", "tool-calls", "content-filter", "other"]);

/** The record on a line, or undefined when the line is not one (cut, edited, or of another shape). */
function recordOf(line: string): ResultsRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const r = value;
  const strings = ["suite", "promptId", "model", "provider", "modelId", "requestHash"];
  const numbers = ["finishedAt", "latencyMs", "attempts", "inputTokens", "outputTokens", "cost"];
  if (r.v !== 1 || !strings.every((key) => typeof r[key] === "string")) return undefined;
  if (!numbers.every((key) => typeof r[key] === "number" && Number.isFinite(r[key]))) return undefined;
  if (r.firstTokenMs !== undefined && typeof r.firstTokenMs !== "number") return undefined;
  if (typeof r.costComplete !== "boolean") return undefined;
  if (r.status === "error") {
    if (typeof r.error !== "string" || r.answer !== undefined) return undefined;
  } else if (r.status !== "answered" || !isAnswer(r.answer)) return undefined;
  if (!Array.isArray(r.checks) || !r.checks.every(isVerdict)) return undefined;
  return value as unknown as ResultsRecord;
}

function isAnswer(value: unknown): value is StoredAnswer {
  return (
    isObject(value) &&
    typeof value.text === "string" &&
    typeof value.refused === "boolean" &&
    typeof value.finishReason === "string" &&
    finishReasons.has(value.finishReason as FinishReason) &&
    Array.isArray(value.toolCalls) &&
    value.toolCalls.every((call) => isObject(call) && typeof call.name === "string" && typeof call.argsText === "string")
  );
}

function isVerdict(value: unknown): value is StoredVerdict {
  return (
    isObject(value) &&
    typeof value.check === "string" &&
    typeof value.fingerprint === "string" &&
    typeof value.pass === "boolean" &&
    typeof value.reason === "string"
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Appends records to a results file, one JSON line each, in the order given; owns the open file until `close`. */
export class ResultsWriter {
  private readonly handle: FileHandle;
  private queue: Promise<void>;

  private constructor(handle: FileHandle, first: Promise<void>) {
    this.handle = handle;
    this.queue = first;
  }

  /**
   * Opens `path` for appending: a fresh file gets the header line first; a
   * file whose last line was cut gets a line break first, so the next record
   * stands alone.
   */
  static async open(path: string, read: Pick<ResultsRead, "endsCleanly" | "fresh">): Promise<ResultsWriter> {
    const handle = await open(path, "a");
    const lead = `${read.endsCleanly ? "" : "\n"}${read.fresh ? `${headerLine}\n` : ""}`;
    return new ResultsWriter(handle, lead === "" ? Promise.resolve() : handle.write(lead).then(() => {}));
  }

  /** Queues one record; resolves once it is written. */
  append(record: ResultsRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    this.queue = this.queue.then(async () => {
      await this.handle.write(line);
    });
    return this.queue;
  }

  /** Waits for queued records and closes the file. */
  async close(): Promise<void> {
    try {
      await this.queue;
    } finally {
      await this.handle.close();
    }
  }
}
