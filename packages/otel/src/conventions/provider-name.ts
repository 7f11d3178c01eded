/**
 * understudy provider names mapped to the well-known `gen_ai.provider.name`
 * values of the conventions (v1.41.1). Keys are lower case. The names are the
 * adapters' `provider`: `@understudy/ai-sdk` already reduces an AI SDK
 * provider id to its first segment (`mistral.chat` → `mistral`), so a dotted
 * id is not split here.
 */
const wellKnown: Readonly<Record<string, string>> = {
  openai: "openai",
  anthropic: "anthropic",
  google: "gcp.gemini",
  gemini: "gcp.gemini",
  vertex: "gcp.vertex_ai",
  "google-vertex": "gcp.vertex_ai",
  groq: "groq",
  mistral: "mistral_ai",
  xai: "x_ai",
  "x-ai": "x_ai",
  grok: "x_ai",
  deepseek: "deepseek",
  cohere: "cohere",
  perplexity: "perplexity",
  azure: "azure.ai.openai",
  "azure-openai": "azure.ai.openai",
  bedrock: "aws.bedrock",
  "amazon-bedrock": "aws.bedrock",
  watsonx: "ibm.watsonx.ai",
};

/**
 * The `gen_ai.provider.name` of an understudy provider name: the
 * conventions' well-known value where one applies (`google` → `gcp.gemini`,
 * `mistral` → `mistral_ai`, `xai` → `x_ai`), else the name itself, as the
 * conventions allow for providers they do not list (`openrouter`, `ollama`).
 */
export function genAiProviderName(provider: string): string {
  return wellKnown[provider.toLowerCase()] ?? provider;
}
