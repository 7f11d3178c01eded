/** Unhandled rejections (and uncaught exceptions) seen while a guard was on. */
export class RejectionGuard {
  readonly seen: unknown[] = [];
  private readonly onRejection = (reason: unknown): void => {
    this.seen.push(reason);
  };

  /** Starts listening. */
  start(): this {
    process.on("unhandledRejection", this.onRejection);
    return this;
  }

  /** Stops listening; returns what was seen. */
  stop(): unknown[] {
    process.off("unhandledRejection", this.onRejection);
    return this.seen;
  }

  /** Takes what was seen since the last call. */
  drain(): unknown[] {
    return this.seen.splice(0, this.seen.length);
  }
}
