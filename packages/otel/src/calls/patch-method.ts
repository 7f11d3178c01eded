/**
 * Replaces `target[key]` (a method) with `wrap(original)` on the object
 * itself, and returns a function that undoes it. Undoing restores the
 * original when the wrapper is still in place; when something wrapped it in
 * turn, the wrapper stays but only passes calls through, so the later
 * wrapper keeps working.
 */
export function patchMethod<T extends object, K extends keyof T>(target: T, key: K, wrap: (original: T[K]) => T[K]): () => void {
  type Method = (...args: unknown[]) => unknown;
  const hadOwn = Object.hasOwn(target, key);
  const original = target[key];
  const wrapped = wrap(original);
  let active = true;
  const passThrough = function (this: unknown, ...args: unknown[]): unknown {
    return ((active ? wrapped : original) as Method).apply(this, args);
  } as T[K];
  target[key] = passThrough;
  return () => {
    active = false;
    if (target[key] !== passThrough) return;
    if (hadOwn) target[key] = original;
    else delete target[key];
  };
}
