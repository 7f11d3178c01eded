/** Counts of the handles that keep a process alive, by type (timers, sockets, servers…). */
export type HandleCounts = Readonly<Record<string, number>>;

/** The types that a finished call must not leave behind. */
const watched = new Set(["Timeout", "Immediate", "ConnectWrap", "GetAddrInfoReqWrap", "HTTPClientAsyncResource"]);

/** Active handles right now, by type (`process.getActiveResourcesInfo()`). */
export function activeHandles(): HandleCounts {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** What `now` holds beyond `baseline`, for the types a call may leak ("2 × Timeout"); empty when nothing. */
export function handlesBeyond(baseline: HandleCounts, now: HandleCounts = activeHandles()): string[] {
  const extra: string[] = [];
  for (const [type, count] of Object.entries(now)) {
    const over = count - (baseline[type] ?? 0);
    if (over > 0 && (watched.has(type) || type.startsWith("TCP"))) extra.push(`${over} × ${type}`);
  }
  return extra;
}

/** Waits (real time) until nothing beyond `baseline` is active, up to `graceMs`; returns what is left. */
export async function settleHandles(baseline: HandleCounts, graceMs: number): Promise<string[]> {
  const deadline = performance.now() + graceMs;
  let extra = handlesBeyond(baseline);
  while (extra.length > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    extra = handlesBeyond(baseline);
  }
  return extra;
}
