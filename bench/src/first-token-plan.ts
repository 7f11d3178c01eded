// Which streamed requests of the hedging scenario are slow, and how slow. Both
// processes read it: the fault server to answer each request, the bench to
// know which requests were slow. The draw is a pure function of the request's
// index, carried in its prompt, so that every system sees the same slow
// requests whatever order its calls arrive in.

/** How a model's time to first token is drawn per request. */
export interface FirstTokenPlan {
  /** Share of requests, from 0 to 1, whose first token is slow. */
  readonly slowShare: number;
  /** The first token's delay of the other requests, drawn evenly in [low, high), in ms. */
  readonly fastMs: readonly [number, number];
  /** The first token's delay of the slow requests, drawn evenly in [low, high), in ms. */
  readonly slowMs: readonly [number, number];
  /**
   * The pace of the answer after its first token, in ms between tokens. A
   * paced answer is still streaming when a hedge's winner is known, so that
   * the log shows whether the loser was hung up on; one sent all at once
   * would have ended before.
   */
  readonly tokenDelayMs: number;
  /** Tells apart the draws of two models, so that they are independent. */
  readonly salt: number;
}

/** The first request index of the warm-up, far above any measured one, so the two never share a draw. */
export const warmUpBase = 1_000_000;

/** A request's prompt: the budget's prompt with the request's index, which the fault server reads back. */
export function indexedPrompt(prompt: string, index: number): string {
  return `${prompt} (request #${index})`;
}

/** The index in a prompt made by {@link indexedPrompt}, or `undefined`. */
export function indexOfPrompt(text: string): number | undefined {
  const match = /\(request #(\d+)\)/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * A uniform number in [0, 1) from an integer: a 32-bit integer hash
 * (Chris Wellons' lowbias32), the same on every run and in every process.
 */
function unitOf(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return (x >>> 0) / 2 ** 32;
}

/** Requests drawn together: each run of this many holds exactly its share of slow ones (rounded). */
const blockSize = 100;

function slowDraw(plan: FirstTokenPlan, index: number): number {
  return unitOf(index * 4 + plan.salt * 0x9e3779b1);
}

/**
 * Whether request `index` is one of the plan's slow ones: those of lowest
 * draw in its block of 100, as many as the share says. Independent draws
 * would make the share itself a draw (51 slow in 400 at 10 %, say): here 400
 * requests hold exactly 40, placed at random within each block.
 */
export function isSlow(plan: FirstTokenPlan, index: number): boolean {
  const slowPerBlock = Math.round(plan.slowShare * blockSize);
  if (slowPerBlock === 0) return false;
  const own = slowDraw(plan, index);
  const first = index - (index % blockSize);
  let lower = 0;
  for (let other = first; other < first + blockSize; other++) {
    const draw = slowDraw(plan, other);
    if (draw < own || (draw === own && other < index)) lower++;
  }
  return lower < slowPerBlock;
}

/** The first token's delay of request `index` under `plan`, in whole ms. */
export function firstTokenDelayMs(plan: FirstTokenPlan, index: number): number {
  const [low, high] = isSlow(plan, index) ? plan.slowMs : plan.fastMs;
  return Math.floor(low + unitOf(index * 4 + 1 + plan.salt * 0x9e3779b1) * (high - low));
}
