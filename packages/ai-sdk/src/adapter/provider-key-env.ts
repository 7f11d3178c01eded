/**
 * The environment variables the AI SDK's own providers read their secrets
 * from when the app passes none: OpenAI, Anthropic, Google, Mistral, Groq,
 * xAI, DeepSeek, Cohere, Amazon Bedrock, Azure, the Vercel AI Gateway and
 * the other first-party providers. The adapter never sees the key a model
 * holds (it lives in the provider's closure), so it redacts the values of
 * these from everything it reports, in addition to the `secrets` it is given.
 */
export const providerKeyEnvVars: readonly string[] = [
  "OPENAI_API_KEY",
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_AUTH_TOKEN",
  "GOOGLE_GENERATIVE_AI_API_KEY",
  "GOOGLE_VERTEX_API_KEY",
  "MISTRAL_API_KEY",
  "GROQ_API_KEY",
  "XAI_API_KEY",
  "DEEPSEEK_API_KEY",
  "COHERE_API_KEY",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_BEARER_TOKEN_BEDROCK",
  "AZURE_API_KEY",
  "AI_GATEWAY_API_KEY",
  "TOGETHER_AI_API_KEY",
  "FIREWORKS_API_KEY",
  "PERPLEXITY_API_KEY",
  "CEREBRAS_API_KEY",
  "DEEPINFRA_API_KEY",
  "OPENROUTER_API_KEY",
];

/**
 * The values of {@link providerKeyEnvVars} set in `env`, read at each call:
 * a key rotated or set after the adapter was made is still redacted.
 */
export function providerKeysFromEnv(env: Readonly<Record<string, string | undefined>> = globalThis.process?.env ?? {}): string[] {
  return providerKeyEnvVars.flatMap((name) => {
    const value = env[name]?.trim();
    return value ? [value] : [];
  });
}
