import { UnderstudyError } from "./understudy-error.ts";
/**
 * The shape shared by errors that point at one field of the caller's input:
 * a path to it and the fix, both also in the message.
 */
export abstract class FieldError extends UnderstudyError {
  /** The offending field, as a path (`models[1].timeout.idleMs`, `request.messages[0].role`). */
  readonly path: string;
  /** What to change. */
  readonly fix: string;

  /**
   * @param path - the offending field
   * @param problem - what is wrong with it
   * @param fix - what to write instead
   */
  constructor(path: string, problem: string, fix: string) {
    super(`${path}: ${problem}. ${fix.charAt(0).toUpperCase()}${fix.slice(1)}.`);
    this.path = path;
    this.fix = fix;
  }
}
