// A vitest setup file: add `setupFiles: ["@understudy/testing/leak-guard-setup"]` to your vitest config.
import { installLeakGuard } from "./leak-guard.ts";

installLeakGuard();
