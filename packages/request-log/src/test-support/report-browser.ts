import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

const installHint =
  "install it with `apt-get install -y chromium` (Debian/Ubuntu) or `brew install --cask chromium`, or set CHROMIUM_PATH to a Chrome or Chromium binary";

/** Chromium's binary: `CHROMIUM_PATH`, else the first Chromium or Chrome on PATH. */
export function chromiumPath(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  const dirs = (process.env.PATH ?? "").split(delimiter).filter((dir) => dir !== "");
  for (const name of ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"]) {
    const found = dirs.map((dir) => join(dir, name)).find((path) => existsSync(path));
    if (found) return found;
  }
  return undefined;
}

/**
 * Whether the browser tests can run here. In CI (`CI=true`) a missing
 * Chromium is an error, so that the report page's tests never pass by being
 * skipped.
 *
 * @param tests - whose tests these are, for the message
 */
export function chromiumAvailable(tests = "the @understudy/request-log report page tests"): boolean {
  if (chromiumPath() !== undefined) return true;
  const missing = process.env.CHROMIUM_PATH
    ? `CHROMIUM_PATH (${process.env.CHROMIUM_PATH}) does not exist`
    : "Chromium is not installed";
  if (process.env.CI === "true") {
    throw new Error(`${missing}, and CI needs ${tests}: ${installHint}`);
  }
  console.warn(`${tests} skipped: ${missing}; ${installHint}`);
  return false;
}

/** The version of puppeteer-core driving the browser. */
export function puppeteerVersion(): string {
  const manifest = createRequire(import.meta.url)("puppeteer-core/package.json") as { version: string };
  return manifest.version;
}

/**
 * Starts headless Chromium (`--headless=new`, from `headless: true`), over a
 * pipe rather than a debugging port. As root, Chromium refuses to start
 * without `--no-sandbox`; containers' small /dev/shm crashes it without
 * `--disable-dev-shm-usage`.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(`Chromium is not installed: ${installHint}`);
  const args = ["--disable-gpu", "--disable-dev-shm-usage", ...(process.getuid?.() === 0 ? ["--no-sandbox"] : [])];
  return puppeteer.launch({ executablePath, headless: true, pipe: true, args });
}

/** A report page open in the browser, and whatever went wrong in it. */
export interface OpenReport {
  /** The page. */
  readonly page: Page;
  /** Console errors, uncaught exceptions, dialogs, and requests for anything but the page's own file. */
  readonly problems: string[];
}

/**
 * Opens a report file with every request but the file itself blocked and
 * noted as a problem (the page must load nothing), and waits until each of
 * its charts that shows is drawn.
 *
 * @param browser - from {@link launchChromium}
 * @param htmlPath - the page's file
 * @param hash - a `#…` to open it at (its filters)
 */
export async function openReport(browser: Browser, htmlPath: string, hash = ""): Promise<OpenReport> {
  const page = await browser.newPage();
  const problems: string[] = [];
  const fileUrl = pathToFileURL(htmlPath).href;
  await page.setViewport({ width: 1280, height: 900 });
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    if (request.url().split("#")[0] === fileUrl) return void request.continue();
    problems.push(`request for ${request.url()}`);
    void request.abort();
  });
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warn") problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error instanceof Error ? error.message : String(error)}`));
  page.on("dialog", (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(fileUrl + hash, { waitUntil: "load", timeout: 20_000 });
  try {
    await chartsDrawn(page);
  } catch (error) {
    // A script that never ran (an error, a CSP hash that does not match) shows only as a timeout otherwise.
    throw new Error(`the report's charts were not drawn; the page's problems: ${problems.join("; ") || "none"}`, {
      cause: error,
    });
  }
  return { page, problems };
}

/**
 * Waits until every chart the page shows has been drawn. The predicate is
 * source text: this package compiles without the DOM's types.
 */
export async function chartsDrawn(page: Page): Promise<void> {
  const predicate = `[...document.querySelectorAll("canvas")].every((canvas) => canvas.closest("[hidden]") !== null || canvas.dataset.rendered === "true")`;
  await page.waitForFunction(predicate, { timeout: 10_000 });
}

/**
 * A full-page PNG of a report, 1280 px wide, as in the documentation: starts
 * its own browser and closes it.
 *
 * @param htmlPath - the report's HTML file
 * @param pngPath - where to write the screenshot
 */
export async function screenshotReport(htmlPath: string, pngPath: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const { page, problems } = await openReport(browser, htmlPath);
    if (problems.length > 0) throw new Error(`the report page has problems: ${problems.join("; ")}`);
    await page.screenshot({ path: pngPath as `${string}.png`, fullPage: true });
  } finally {
    await browser.close();
  }
}
