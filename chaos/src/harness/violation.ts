import { isTolerated, type KnownIssue } from "./known-issues.ts";

/** The invariants every run is checked against (see chaos/README.md). */
export const invariantNames = [
  "settles",
  "settles-once",
  "complete-or-typed",
  "caller-fault-neutral",
  "request-error-first",
  "config-error-or-works",
  "no-secret",
  "no-unhandled-rejection",
  "no-leaked-handle",
  "released",
  "sane-numbers",
  "classified",
  "hedged",
  "one-voice",
  "learned-timers",
] as const;

/** One invariant. */
export type InvariantName = (typeof invariantNames)[number];

/** A broken invariant: which, what was seen, and the known issue it matches, if any. */
export interface Violation {
  readonly invariant: InvariantName;
  readonly detail: string;
  readonly known?: KnownIssue;
}

/** Collects violations; `known` tags one with the issue it matches. */
export class Violations {
  readonly all: Violation[] = [];

  add(invariant: InvariantName, detail: string, known?: KnownIssue): void {
    this.all.push(known === undefined ? { invariant, detail } : { invariant, detail, known });
  }

  addAll(violations: readonly Violation[]): void {
    this.all.push(...violations);
  }

  /** Forgets violations of known issues another property is about (so this one can find others). */
  without(...issues: KnownIssue[]): this {
    const kept = this.all.filter((v) => v.known === undefined || !issues.includes(v.known));
    this.all.length = 0;
    this.all.push(...kept);
    return this;
  }

  /** The violations this run does not tolerate (see `CHAOS_TOLERATE`). */
  get failing(): Violation[] {
    return this.all.filter((v) => !isTolerated(v.known));
  }

  /** Throws (for fast-check to shrink) when a violation is not tolerated. */
  throwIfAny(): void {
    const failing = this.failing;
    if (failing.length > 0) throw new InvariantError(failing);
  }
}

/** What a property throws: every broken invariant of the run, one per line. */
export class InvariantError extends Error {
  readonly violations: readonly Violation[];

  constructor(violations: readonly Violation[]) {
    super(violations.map(describeViolation).join("\n"));
    this.name = "InvariantError";
    this.violations = violations;
  }
}

/** One line for a violation: `[invariant] detail (regression: id)`. */
export function describeViolation(v: Violation): string {
  return `[${v.invariant}] ${v.detail}${v.known ? ` (regression: ${v.known})` : ""}`;
}
