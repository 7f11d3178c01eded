/**
 * `@understudy/google`: the understudy adapter for Google's Gemini models
 * (the Gemini API, and Vertex AI through your own client), over the official
 * `@google/genai` SDK.
 *
 * @packageDocumentation
 */
export { classifyGoogleError } from "./classify-google-error.ts";
export { type GoogleModelOptions, google } from "./google.ts";
export { parseGoogleDuration } from "./google-duration.ts";
export { foreignCallSignature } from "./thought-signature.ts";
