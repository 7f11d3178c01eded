// Garbage collection on demand, for tests of what must not be kept alive.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/**
 * Collects garbage until `done()` holds (finalizers run between rounds), or
 * gives up after `rounds`. Returns whether `done()` held. Each collection
 * runs in a task of its own: a `WeakRef.deref()` in `done()` keeps its
 * target alive to the end of the task that called it.
 */
export async function collectUntil(done: () => boolean, rounds = 50): Promise<boolean> {
  const nextTask = () => new Promise((resolve) => setTimeout(resolve, 5));
  for (let round = 0; round < rounds; round++) {
    if (done()) return true;
    await nextTask();
    gc();
    await nextTask();
  }
  return done();
}
