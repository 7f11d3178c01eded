import type { ChatRequest } from "@understudy/core";
import type { Check } from "../checks/check.ts";

/** One prompt of an eval: a request every model of the chain answers on its own, and its own checks. */
export interface EvalPrompt {
  /** Unique in the set: results, regressions and resumed runs name the prompt by it. */
  readonly id: string;
  /** The request sent to each model. */
  readonly request: ChatRequest;
  /** Checks of this prompt's answers, run after the suite's own. */
  readonly checks?: readonly Check[];
}

/** The text of a request's user turns, for reports and judges: each message's text, joined. */
export function promptText(request: ChatRequest): string {
  const texts: string[] = [];
  for (const message of request.messages) {
    if (message.role !== "user") continue;
    if (typeof message.content === "string") texts.push(message.content);
    else for (const part of message.content) if (part.type === "text") texts.push(part.text);
  }
  return texts.join("\n");
}
