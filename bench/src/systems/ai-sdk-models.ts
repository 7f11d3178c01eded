import { createOpenAI } from "@ai-sdk/openai";
import { generateText, type LanguageModel, streamText } from "ai";
import { budget } from "../budget.ts";
import type { ChainSetup, Contender } from "../contender.ts";

/** An AI SDK OpenAI chat model. */
export type AiSdkChatModel = ReturnType<ReturnType<typeof createOpenAI>["chat"]>;

/** The AI SDK's OpenAI chat models of a chain (Chat Completions, as the other systems use). */
export function aiSdkModels(setup: ChainSetup): { primary: AiSdkChatModel; backup: AiSdkChatModel } {
  const provider = createOpenAI({
    apiKey: budget.apiKey,
    baseURL: setup.endpoint.baseURL,
    ...(setup.endpoint.fetch ? { fetch: setup.endpoint.fetch } : {}),
  });
  return { primary: provider.chat(setup.primary), backup: provider.chat(setup.backup) };
}

/** A contender that calls one AI SDK model (a wrapped one) with `generateText` and `streamText`, retries off. */
export function aiSdkContender(model: LanguageModel): Contender {
  return {
    async generate(prompt) {
      const result = await generateText({ model, prompt, maxOutputTokens: budget.maxTokens, maxRetries: 0 });
      return result.text;
    },
    async stream(prompt, onFirstText) {
      let failure: unknown;
      const result = streamText({
        model,
        prompt,
        maxOutputTokens: budget.maxTokens,
        maxRetries: 0,
        onError: ({ error }) => {
          failure = error;
        },
      });
      let text = "";
      for await (const delta of result.textStream) {
        if (delta === "") continue;
        if (text === "") onFirstText();
        text += delta;
      }
      // streamText reports errors to onError instead of throwing from textStream.
      if (failure !== undefined) throw failure;
      return text;
    },
  };
}
