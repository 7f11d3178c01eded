// The in-process instant fake model: a `fetch` that answers an OpenAI Chat
// Completions request at once, without a socket, so that what is measured is
// the library and its SDK, not the network.

const answer = JSON.stringify({
  id: "chatcmpl-instant",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "instant",
  choices: [{ index: 0, message: { role: "assistant", content: "Io." }, finish_reason: "stop", logprobs: null }],
  usage: { prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 },
});

const overloaded = JSON.stringify({
  error: {
    message: "The engine is currently overloaded, please try again later.",
    type: "server_error",
    param: null,
    code: null,
  },
});

/** Model ids the instant fake fails with a 503 (overloaded), for the failover scenario. */
export const downModelPrefix = "down";

function modelOf(body: unknown): string {
  if (typeof body !== "string") throw new Error("The instant fake expects a JSON string body, as the OpenAI SDK sends.");
  const parsed = JSON.parse(body) as { model?: unknown; stream?: unknown };
  if (parsed.stream === true) throw new Error("The instant fake answers non-streamed calls only; stream over the fault server.");
  return String(parsed.model);
}

/** Answers every request at once: 200 with a short completion, or 503 for models named `down…`. */
export const instantFetch: typeof fetch = async (_input, init) => {
  const down = modelOf(init?.body).startsWith(downModelPrefix);
  return new Response(down ? overloaded : answer, {
    status: down ? 503 : 200,
    headers: { "content-type": "application/json" },
  });
};
