// `pnpm demo`: an outage drill on scripted models — healthy traffic, a primary
// outage, a recovery — showing who answered each request and why it switched.
import { createFallback } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";

const requests = 30;
const outage = { from: 8, to: 20 };
let sent = 0;

const primary = scriptedModel({
  modelId: "primary",
  script: () => (sent > outage.from && sent <= outage.to ? { error: "overloaded", status: 529, delayMs: 5 } : { delayMs: 20 }),
});
const backup = scriptedModel({ modelId: "backup", default: { delayMs: 30 } });
const chat = createFallback({
  models: [
    { model: primary, id: "primary", retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 150 } },
    { model: backup, id: "backup" },
  ],
});

const log = (line: string) => process.stdout.write(`${line}\n`);
chat.on("breakerOpen", (e) => log(`  ⚡ breaker of ${e.model} opened (${e.reason})`));
chat.on("breakerHalfOpen", (e) => log(`  … ${e.model} half-open: one probe goes through`));
chat.on("breakerClose", (e) => log(`  ✓ breaker of ${e.model} closed`));

const answeredBy = new Map<string, number>();
for (sent = 1; sent <= requests; sent++) {
  const result = await chat.generate({ messages: [{ role: "user", content: `request ${sent}` }] });
  answeredBy.set(result.model, (answeredBy.get(result.model) ?? 0) + 1);
  const why = result.fallbacks
    .map((f) => `${f.from} failed: ${f.reason}`)
    .concat(result.attempts.filter((a) => a.outcome === "skipped").map((a) => `${a.model} skipped: ${a.skipReason}`));
  log(`#${String(sent).padStart(2)} ${result.model.padEnd(8)} ${result.durationMs}ms ${why.join("; ")}`);
  await new Promise((resolve) => setTimeout(resolve, 25));
}

log(`\nanswered: ${[...answeredBy].map(([model, count]) => `${model} ${count}`).join(", ")} of ${requests}`);
log(`primary calls: ${primary.calls.length} (requests during the outage: ${outage.to - outage.from})`);
