/** Google API keys: `AIza` and 35 more characters (https://cloud.google.com/docs/authentication/api-keys). */
const googleKey = /AIza[0-9A-Za-z_-]{35}/g;

/** A key in a URL's query, as Google's older endpoints and some proxies put it (`?key=…`). */
const keyParameter = /([?&]key=)[^&\s"'#<>]+/gi;

/**
 * The text without anything shaped like a Google API key: a Gemini error or
 * a proxy may quote a request URL with `?key=` in it, or a key the adapter
 * does not hold (the core redacts the keys it is given, and other providers'
 * key shapes, but not Google's).
 */
export function withoutGoogleKeys(text: string): string {
  return text.replace(keyParameter, "$1[redacted]").replace(googleKey, "[redacted]");
}
