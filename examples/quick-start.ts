// The smallest fallback chain: an overloaded primary, a backup that answers.
import { createFallback } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";

// Stand-ins that need no API key; with real providers write
// `anthropic("claude-sonnet-4-6")` and `openai("gpt-4.1-mini")` instead.
const primary = scriptedModel({ modelId: "primary", default: { error: "overloaded", status: 529 } });
const backup = scriptedModel({ modelId: "backup", default: { text: "Hello from the backup!" } });

const chat = createFallback({
  models: [{ model: primary, retry: { maxAttempts: 2 } }, { model: backup }],
  deadlineMs: 30_000,
});

chat.on("fallback", (e) => console.log(`switched ${e.from} → ${e.to} (${e.reason})`));

const res = await chat.generate({ messages: [{ role: "user", content: "Hi" }], maxTokens: 200 });
console.log(`${res.text} — answered by ${res.model} after ${res.attempts.length} attempts`);
