import type { EvalAnswer } from "./check.ts";

/** How alike two answers are, and how it was measured. */
export interface Similarity {
  /** From 0 (nothing in common) to 1 (the same). */
  readonly score: number;
  /** The measure used: `JSON leaves`, `token F1`, or why the answers could not be compared. */
  readonly measure: string;
}

/**
 * How alike two answers are, from 0 to 1, and how it was measured.
 *
 * - Tool calls: the calls (name and arguments) compared as JSON, below.
 * - JSON (an object or array as the whole text): {@link jsonSimilarity}, the
 *   share of leaves (path and value) the two have in common; key order does not count.
 * - Text: {@link tokenF1}, SQuAD's token-level F1.
 * - One JSON (or a tool call) and the other text: 0.
 */
export function answerSimilarity(a: EvalAnswer, b: EvalAnswer): Similarity {
  const left = comparable(a);
  const right = comparable(b);
  if (left.kind === "json" && right.kind === "json")
    return { score: jsonSimilarity(left.value, right.value), measure: "JSON leaves" };
  if (left.kind === "text" && right.kind === "text") return { score: tokenF1(left.value, right.value), measure: "token F1" };
  return { score: 0, measure: "one answered with JSON or a tool call, the other with text" };
}

type Comparable = { readonly kind: "json"; readonly value: unknown } | { readonly kind: "text"; readonly value: string };

function comparable(answer: EvalAnswer): Comparable {
  if (answer.toolCalls.length > 0) {
    return { kind: "json", value: answer.toolCalls.map((call) => ({ name: call.name, args: call.args ?? call.argsText })) };
  }
  const trimmed = answer.text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return { kind: "json", value: JSON.parse(trimmed) };
    } catch {
      // Not JSON after all: compared as text.
    }
  }
  return { kind: "text", value: answer.text };
}

const articles = new Set(["a", "an", "the"]);

/**
 * An answer's tokens as SQuAD's evaluation normalises them: lowercased,
 * punctuation and symbols deleted (so `don't` is `dont`), the articles `a`, `an` and `the` dropped, split on
 * whitespace.
 */
export function normalizedTokens(text: string): string[] {
  return (
    text
      .toLowerCase()
      // Deleted, not replaced by a space, as SQuAD does: "don't" ~ "dont", "U.S." ~ "US".
      .replace(/[\p{P}\p{S}]/gu, "")
      .split(/\s+/)
      .filter((token) => token !== "" && !articles.has(token))
  );
}

/**
 * SQuAD's token-level F1 of two texts: the harmonic mean of precision and
 * recall of their normalised tokens, counted as multisets. 1 for texts equal
 * after normalisation (two empty texts included), 0 for texts with no token
 * in common. Symmetric.
 */
export function tokenF1(a: string, b: string): number {
  const left = normalizedTokens(a);
  const right = normalizedTokens(b);
  if (left.length === 0 || right.length === 0) return left.length === right.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const token of left) counts.set(token, (counts.get(token) ?? 0) + 1);
  let common = 0;
  for (const token of right) {
    const count = counts.get(token) ?? 0;
    if (count > 0) {
      common++;
      counts.set(token, count - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / right.length;
  const recall = common / left.length;
  return (2 * precision * recall) / (precision + recall);
}

/**
 * How alike two JSON values are: each value is flattened to its leaves (a
 * path and a scalar, an empty object or an empty array), and the score is the
 * F1 (Dice) overlap of the two sets of leaves. 1 for structurally equal values
 * whatever their key order; 0 when no leaf is the same. Array elements are
 * compared by position.
 */
export function jsonSimilarity(a: unknown, b: unknown): number {
  const left = leaves(a);
  const right = leaves(b);
  let common = 0;
  for (const [leaf, count] of right) common += Math.min(count, left.get(leaf) ?? 0);
  const total = sum(left) + sum(right);
  return total === 0 ? 1 : (2 * common) / total;
}

/** Structural equality of two JSON values: key order does not count, array order does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return jsonSimilarity(a, b) === 1;
}

function leaves(value: unknown): Map<string, number> {
  const found = new Map<string, number>();
  const walk = (node: unknown, path: readonly (string | number)[]): void => {
    if (Array.isArray(node) && node.length > 0) {
      for (const [index, item] of node.entries()) walk(item, [...path, index]);
      return;
    }
    if (typeof node === "object" && node !== null && !Array.isArray(node) && Object.keys(node).length > 0) {
      for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
      return;
    }
    const leaf = JSON.stringify([path, node ?? null]);
    found.set(leaf, (found.get(leaf) ?? 0) + 1);
  };
  walk(value, []);
  return found;
}

function sum(counts: Map<string, number>): number {
  let total = 0;
  for (const count of counts.values()) total += count;
  return total;
}
