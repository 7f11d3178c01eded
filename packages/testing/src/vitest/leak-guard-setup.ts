// A vitest setup file: `setupFiles: ["@understudy/testing/leak-guard-setup"]`.
import { installLeakGuard } from "./leak-guard.ts";

installLeakGuard();
