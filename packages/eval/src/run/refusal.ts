import type { FinishReason } from "@understudy/core";

/**
 * Openings of a refusal, in English, matched case-insensitively at the start
 * of the answer or of any sentence: "I can't help with that" is a refusal,
 * "here is why I can't help with your router's firmware, but…" may not be,
 * which is why only these wordings count and only where a sentence begins.
 */
export const refusalPhrases: readonly string[] = [
  "I can't help with",
  "I cannot help with",
  "I can't assist with",
  "I cannot assist",
  "I can't provide",
  "I cannot provide",
  "I'm sorry, but I can't",
  "I'm sorry, but I cannot",
  "I am sorry, but I cannot",
  "Sorry, but I can't",
  "I'm not able to help with",
  "I am not able to help with",
  "I'm unable to help with",
  "I won't be able to help",
  "I must decline",
];

const apostrophes = /[\u2018\u2019\u02bc]/g;

/** Whether an answer refused: a `content-filter` finish, or one of {@link refusalPhrases} where a sentence begins. */
export function isRefusal(text: string, finishReason: FinishReason): boolean {
  if (finishReason === "content-filter") return true;
  const sentences = text
    .replace(apostrophes, "'")
    .toLowerCase()
    .split(/(?<=[.!?\n])\s*/);
  return sentences.some((sentence) => {
    const opening = sentence.trimStart();
    return refusalPhrases.some((phrase) => opening.startsWith(phrase.toLowerCase()));
  });
}
