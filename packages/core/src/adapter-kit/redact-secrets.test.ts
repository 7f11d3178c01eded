import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { minSecretFragment, redactSecrets } from "./redact-secrets.ts";

const keyChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".split("");
/** Keys as providers issue them: letters, digits, `_` and `-`. */
const keyOf = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...keyChars), minLength, maxLength });

/** The rule under test, written out: a piece of 8 characters or more of a key is a leak. */
const fragment = 8;

/** Every substring of 8 characters of `key` that appears in `text` (a longer piece holds one). */
function fragmentsIn(text: string, key: string): string[] {
  const found: string[] = [];
  for (let start = 0; start + fragment <= key.length; start++) {
    const piece = key.slice(start, start + fragment);
    if (text.includes(piece)) found.push(piece);
  }
  return found;
}

describe("redactSecrets", () => {
  const key = "sk-proj-SENTINEL0123456789abcdefXYZ";

  it("redacts fragments of 8 characters or more, wherever a provider puts them", () => {
    expect(minSecretFragment).toBe(8);
    expect(redactSecrets(`key ${key.slice(8)} rejected`, [key])).toBe("key [redacted] rejected");
    expect(redactSecrets(`req_${key.slice(12, 24)}`, [key])).toBe("req_[redacted]");
    expect(redactSecrets(`a ${key.slice(3, 11)} b ${key.slice(20)}`, [key])).toBe("a [redacted] b [redacted]");
  });

  it("leaves pieces shorter than 8 characters, like OpenAI's masked key", () => {
    expect(redactSecrets(`sk-****fXYZ and ${key.slice(10, 17)}`, [key])).toBe(`sk-****fXYZ and ${key.slice(10, 17)}`);
  });

  it("redacts keys of 6 or 7 characters only whole, and ignores shorter ones", () => {
    expect(redactSecrets("token abc123 and abc12", ["abc123"])).toBe("token [redacted] and abc12");
    expect(redactSecrets("token abcde", ["abcde"])).toBe("token abcde");
  });

  it("still redacts anything shaped like a provider key", () => {
    expect(redactSecrets("Incorrect API key provided: sk-proj-abcdef123456")).toBe("Incorrect API key provided: [redacted]");
    const google = `AIza${"Sy0123456789abcdefghijklmnopqrstuvw"}`;
    expect(redactSecrets(`https://generativelanguage.googleapis.com/v1/models?key=${google}&alt=sse`)).toBe(
      "https://generativelanguage.googleapis.com/v1/models?key=[redacted]&alt=sse",
    );
  });

  it("leaves no fragment of 8 or more characters of the key (property)", () => {
    const pieces = (secret: string) =>
      fc.array(
        fc.oneof(
          fc.string({ maxLength: 12 }),
          fc
            .tuple(fc.nat(secret.length - fragment), fc.integer({ min: fragment, max: secret.length }))
            .map(([start, length]) => secret.slice(start, start + length)),
        ),
        { maxLength: 8 },
      );
    fc.assert(
      fc.property(
        keyOf(fragment, 64).chain((secret) => fc.tuple(fc.constant(secret), pieces(secret))),
        ([secret, parts]) => {
          const clean = redactSecrets(parts.join(""), [secret]);
          expect(fragmentsIn(clean, secret)).toEqual([]);
        },
      ),
    );
  });

  it("leaves text without such fragments unchanged (property)", () => {
    fc.assert(
      fc.property(keyOf(6, 64), fc.string({ maxLength: 200 }), (secret, text) => {
        fc.pre(fragmentsIn(text, secret).length === 0 && !text.includes(secret));
        fc.pre(!/\b(?:sk|gsk|xai|pk)[-_][A-Za-z0-9_-]{8,}/.test(text));
        expect(redactSecrets(text, [secret])).toBe(text);
      }),
    );
  });

  it("takes time linear in the text, not in the square of the key", () => {
    const secret = "k".repeat(20) + "SENTINEL".repeat(25);
    const text = "lorem ipsum ".repeat(40_000) + secret.slice(50, 150);
    const started = performance.now();
    const clean = redactSecrets(text, [secret, `${secret}-second`]);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(clean.endsWith("[redacted]")).toBe(true);
  });
});
