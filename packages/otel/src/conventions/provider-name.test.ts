import { describe, expect, it } from "vitest";
import { genAiProviderName } from "./provider-name.ts";

describe("genAiProviderName", () => {
  it.each([
    ["openai", "openai"],
    ["anthropic", "anthropic"],
    ["google", "gcp.gemini"],
    ["vertex", "gcp.vertex_ai"],
    ["groq", "groq"],
    ["mistral", "mistral_ai"],
    ["xai", "x_ai"],
    ["deepseek", "deepseek"],
    ["azure", "azure.ai.openai"],
    ["amazon-bedrock", "aws.bedrock"],
    ["Anthropic", "anthropic"],
  ])("maps %s to the conventions' %s", (provider, name) => {
    expect(genAiProviderName(provider)).toBe(name);
  });

  it("keeps a provider the conventions do not list, as they allow", () => {
    expect(genAiProviderName("openrouter")).toBe("openrouter");
    expect(genAiProviderName("scripted")).toBe("scripted");
  });
});
