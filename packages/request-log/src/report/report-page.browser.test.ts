import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chartsDrawn, chromiumAvailable, launchChromium, openReport, puppeteerVersion } from "../test-support/report-browser.ts";
import {
  emptyReportFixture,
  evalFixture,
  evalOnlyReportFixture,
  hostileCheck,
  hostileMarkup,
  hostileModel,
  hostilePromptId,
  hostileScript,
  reportFixture,
} from "../test-support/report-fixture.ts";
import { renderReportHtml } from "./render-html.ts";
import type { ReportView } from "./report-data.ts";
import { viewKey } from "./report-data.ts";

const available = chromiumAvailable();
const data = reportFixture();

// The callbacks below run in Chromium. This package compiles without the
// DOM's types, so they name the little of the DOM they use.

/** A canvas, as far as the callbacks look at it. */
interface CanvasNode {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  readonly dataset: Readonly<Record<string, string | undefined>>;
  closest(selector: string): unknown;
  getContext(
    kind: "2d",
  ): { getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray } } | null;
}

/** Any other element, as far as the callbacks look at it. */
interface ElementNode {
  readonly textContent: string | null;
  readonly dataset: Readonly<Record<string, string | undefined>>;
  readonly value?: string;
}

/** Chart.js's global, as far as the tooltip test drives it. */
interface ChartGlobal {
  readonly Chart: {
    getChart(canvas: unknown):
      | {
          readonly data: { readonly datasets: readonly { readonly data: readonly unknown[] }[] };
          readonly tooltip: {
            setActiveElements(elements: { datasetIndex: number; index: number }[], position: { x: number; y: number }): void;
            readonly title: string[];
            readonly body: readonly { readonly lines: string[] }[];
          } | null;
        }
      | undefined;
  };
}

/** What a canvas shows: how many points it says it drew, and how many of its pixels are painted. */
interface CanvasState {
  readonly id: string;
  readonly shown: boolean;
  readonly rendered: string | undefined;
  readonly points: number;
  readonly painted: number;
}

function canvases(page: Page): Promise<CanvasState[]> {
  return page.$$eval("canvas", (nodes) =>
    (nodes as unknown as CanvasNode[]).map((canvas) => {
      const pixels = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
      let painted = 0;
      for (let alpha = 3; alpha < pixels.length; alpha += 4) if ((pixels[alpha] ?? 0) > 0) painted++;
      return {
        id: canvas.id,
        shown: canvas.closest("[hidden]") === null,
        rendered: canvas.dataset.rendered,
        points: Number(canvas.dataset.points),
        painted,
      };
    }),
  );
}

/** Each chart's tooltip for its first bar with data: its title and lines, as Chart.js made them with the page's callbacks. */
function firstTooltips(page: Page): Promise<{ id: string; lines: string[] }[]> {
  return page.$$eval("canvas", (nodes) =>
    (nodes as unknown as CanvasNode[]).map((canvas) => {
      const chart = (globalThis as unknown as ChartGlobal).Chart.getChart(canvas);
      const datasetIndex = chart?.data.datasets.findIndex((d) => d.data.some((v) => v !== null && v !== 0)) ?? -1;
      const index = chart?.data.datasets[datasetIndex]?.data.findIndex((v) => v !== null && v !== 0) ?? -1;
      if (!chart?.tooltip || index < 0) return { id: canvas.id, lines: [] };
      chart.tooltip.setActiveElements([{ datasetIndex, index }], { x: 0, y: 0 });
      return { id: canvas.id, lines: [...chart.tooltip.title, ...chart.tooltip.body.flatMap((b) => b.lines)] };
    }),
  );
}

const selectedValue = (page: Page, selector: string) => page.$eval(selector, (node) => (node as unknown as ElementNode).value);
const dataValue = (page: Page, selector: string) =>
  page.$eval(selector, (node) => (node as unknown as ElementNode).dataset.value);
const rowCount = (page: Page, selector: string) => page.$$eval(selector, (nodes) => nodes.length);
/** Whether an element is out of sight: hidden, or inside something hidden, as the browser lays it out. */
const isHidden = (page: Page, selector: string) =>
  page.$eval(selector, (node) => !(node as unknown as { checkVisibility(): boolean }).checkVisibility());
const textOf = (page: Page, selector: string) =>
  page.$$eval(selector, (nodes) => (nodes as unknown as ElementNode[]).map((node) => node.textContent ?? ""));

/** The figures a test compares with a view: the totals and the lists' and comparisons' lengths. */
async function shownFigures(page: Page) {
  return {
    requests: await dataValue(page, "#total-requests"),
    costWasted: await dataValue(page, "#total-cost-wasted"),
    hedged: await dataValue(page, "#total-hedged"),
    // Counts as the browser's locale writes them, their group separators left out.
    hedgesText: (await textOf(page, "#total-hedged + .total-detail")).join("").replace(/(\d)[,.\u00a0\u202f'](?=\d{3})/g, "$1"),
    slowest: await rowCount(page, "#slowest tbody tr"),
    failed: await rowCount(page, "#failed tbody tr"),
    comparisons: await rowCount(page, "#comparisons .comparison"),
    shadowSampled: (await textOf(page, "#shadows tbody td:nth-child(2)")).map((text) => Number(text.replace(/\D/g, ""))),
    hash: new URL(page.url()).hash,
  };
}

/** The comparisons the page should show: those answered in the window, by a request with the tag. */
function expectedComparisons(windowId: string, tagIndex?: number): number {
  const window = data.windows.find((w) => w.id === windowId);
  const tag = tagIndex === undefined ? undefined : data.tags[tagIndex];
  return data.comparisons.filter((c) =>
    c.answers.some(
      (a) => window && a.startedAt >= window.from && a.startedAt < window.to && (!tag || a.tags[tag.key] === tag.value),
    ),
  ).length;
}

function figuresOf(view: ReportView | undefined, comparisons: number) {
  if (!view) throw new Error("no such view");
  return {
    requests: String(view.summary.requests),
    costWasted: String(view.summary.costWasted),
    hedged: String(view.summary.hedged),
    hedgesText: `${view.summary.hedges === 1 ? "1 hedge" : `${view.summary.hedges} hedges`}, ${view.summary.hedgesWon} won by the call started beside the slow one`,
    slowest: view.slowest.length,
    failed: view.failed.length,
    comparisons,
    shadowSampled: view.shadows.map((shadow) => shadow.sampled),
  };
}

describe.skipIf(!available)("the report page in Chromium", () => {
  let browser: Browser | undefined;
  let dir = "";
  const page = (name: string) => join(dir, name);

  const open = async (name: string, hash = "") => {
    if (!browser) throw new Error("no browser");
    return openReport(browser, page(name), hash);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "understudy-report-page-"));
    writeFileSync(page("report.html"), renderReportHtml(data));
    writeFileSync(page("empty.html"), renderReportHtml(emptyReportFixture()));
    writeFileSync(page("eval-only.html"), renderReportHtml(evalOnlyReportFixture()));
    browser = await launchChromium();
    console.info(`report page tests: ${await browser.version()}, puppeteer-core ${puppeteerVersion()}`);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it("draws every chart with data, and loads nothing but itself", async () => {
    const { page, problems } = await open("report.html");
    try {
      const states = await canvases(page);
      expect(states.map((s) => s.id)).toEqual([
        "chart-eval",
        "chart-requests",
        "chart-fallbacks",
        "chart-unavailable",
        "chart-skips",
        "chart-latency",
        "chart-cost",
        "chart-tokens",
      ]);
      for (const state of states) {
        expect(state, state.id).toMatchObject({ shown: true, rendered: "true" });
        expect(state.points, state.id).toBeGreaterThan(0);
        expect(state.painted, state.id).toBeGreaterThan(1000);
      }
      expect(await shownFigures(page)).toMatchObject(figuresOf(data.views[viewKey("all")], expectedComparisons("all")));
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);

  it("redraws every section for the window and tag chosen, and keeps the choice in the URL", async () => {
    const { page, problems } = await open("report.html");
    try {
      await page.select("#window", "1h");
      await chartsDrawn(page);
      const lastHour = await shownFigures(page);
      expect(lastHour).toMatchObject(figuresOf(data.views[viewKey("1h")], expectedComparisons("1h")));
      expect(lastHour.requests).not.toBe(String(data.views[viewKey("all")]?.summary.requests));
      expect(lastHour.hash).toBe("#window=1h");

      await page.select("#tag", "2");
      await chartsDrawn(page);
      const tagged = await shownFigures(page);
      expect(tagged).toMatchObject(figuresOf(data.views[viewKey("1h", 2)], expectedComparisons("1h", 2)));
      expect(tagged.requests).not.toBe(lastHour.requests);
      expect(tagged.comparisons).toBeLessThan(lastHour.comparisons);
      expect(tagged.hash).toBe("#window=1h&tag=2");
      expect((await canvases(page)).filter((s) => s.shown && (s.points === 0 || s.rendered !== "true"))).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);

  it("explains each bar in its tooltip", async () => {
    const { page, problems } = await open("report.html");
    try {
      const tooltips = await firstTooltips(page);
      expect(tooltips).toHaveLength(8);
      for (const { id, lines } of tooltips) expect(lines.join(" "), id).toMatch(/\d/);
      const timeline = tooltips.find((t) => t.id === "chart-unavailable");
      expect(timeline?.lines.join(" ")).toMatch(/\d+ skips \(half_open_probe_in_flight, open\)/);
      expect(tooltips.find((t) => t.id === "chart-eval")?.lines).toEqual(["json-schema", "claude: 100% (4 of 4 answers)"]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);

  it("opens at the view its URL names", async () => {
    const { page, problems } = await open("report.html", "#window=24h&tag=2");
    try {
      expect(await selectedValue(page, "#window")).toBe("24h");
      expect(await selectedValue(page, "#tag")).toBe("2");
      expect(await shownFigures(page)).toMatchObject(figuresOf(data.views[viewKey("24h", 2)], expectedComparisons("24h", 2)));
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);

  it("shows hostile text as text", async () => {
    const { page, problems } = await open("report.html");
    try {
      expect(await page.evaluate("'__xss' in window")).toBe(false);
      expect(await rowCount(page, "img")).toBe(0);
      expect(await rowCount(page, "script")).toBe(3);
      const text = (await textOf(page, "header, main")).join("\n");
      expect(text).toContain(`Summarise this ticket: ${hostileScript}`);
      expect(text).toContain(hostileModel);
      expect(text).toContain(`support-bot.db ${hostileScript}`);
      const tagOptions = await textOf(page, "#tag option");
      expect(tagOptions.filter((option) => option.startsWith(`tenant=acme${hostileScript} (`))).toHaveLength(1);
      expect((await textOf(page, "#failed")).join("")).toContain(`last said: ${hostileScript}`);
      expect((await textOf(page, "#shadows tbody")).join("")).toContain("gpt-4.1-mini <b>shadow</b>");
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);

  it("says there is nothing to show in an empty view, without drawing empty charts", async () => {
    const { page, problems } = await open("report.html", "#window=1h&tag=1");
    try {
      expect(data.views[viewKey("1h", 1)]?.summary.requests).toBe(0);
      // The eval is no part of the log: its chart stays whatever the filters.
      expect((await canvases(page)).filter((s) => s.shown).map((s) => s.id)).toEqual(["chart-eval"]);
      const notes = await textOf(page, "main section:not(#eval) [data-slot=note]");
      expect(notes.slice(0, -1)).toEqual(Array(notes.length - 1).fill("No requests in this window."));
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);

  it("renders the report of an empty log, and says how to capture answers", async () => {
    const { page, problems } = await open("empty.html");
    try {
      expect((await canvases(page)).filter((s) => s.shown)).toEqual([]);
      expect(await isHidden(page, "#eval")).toBe(true);
      expect(await textOf(page, "#total-requests")).toEqual(["0"]);
      // No hedge anywhere in the log: no figure for hedges to explain.
      expect(await rowCount(page, "#total-hedged")).toBe(0);
      expect((await textOf(page, "#comparisons")).join("")).toContain(
        "recordRequests(chain, sink, { capture: { prompts: true, answers: true } })",
      );
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);
  it("leads with the eval: each model in chain order, its figures, and a threshold missed told in words", async () => {
    const { page, problems } = await open("report.html");
    try {
      const expected = evalFixture();
      expect(await isHidden(page, "#eval")).toBe(false);
      // First in the page, after the totals.
      expect(
        await page.$eval("main", (node) => (node as unknown as { firstElementChild: { id: string } }).firstElementChild.id),
      ).toBe("eval");
      const meta = (await textOf(page, "#eval [data-slot=meta]")).join("");
      expect(meta).toContain(`Suite${expected.name}`);
      expect(meta).toContain("Ran2025-06-10 11:50:00 UTC");
      expect(meta).toContain("Prompts12, each on 3 models");
      const rows = await page.$$eval("#eval [data-slot=models] tbody tr", (nodes) =>
        (nodes as unknown as (ElementNode & { querySelectorAll(s: string): ArrayLike<ElementNode> })[]).map((row) => ({
          model: row.dataset.model,
          below: row.dataset.below,
          cells: Array.from(row.querySelectorAll("td"), (cell) => cell.textContent ?? ""),
        })),
      );
      expect(rows.map((row) => [row.model, row.below])).toEqual([
        ["claude", "false"],
        ["gpt-4.1-mini", "true"],
        [hostileModel, "false"],
      ]);
      expect(rows[0]?.cells.slice(0, 7)).toEqual(["primary", "claude", "100%", "12", "0", "0", "0"]);
      expect(rows[0]?.cells.at(-1)).toBe("none");
      expect(rows[1]?.cells.slice(0, 3)).toEqual(["backup 1", "gpt-4.1-mini", "75%"]);
      expect(rows[1]?.cells.at(-1)).toBe("BELOW 0.9 (90%)");
      expect(rows[2]?.cells.slice(0, 7)).toEqual(["backup 2", hostileModel, "66.7%", "8", "3", "1", "1"]);
      expect(rows[2]?.cells.at(-2)).toBe("unpriced");
      expect(rows[2]?.cells.at(-1)).toBe("met: 0.5 (50%)");
      expect(rows[1]?.cells[7]).toBe("1.1 s / 2.6 s");
      expect(await textOf(page, "#eval [data-slot=below]")).toEqual([
        "gpt-4.1-mini: pass rate 75% BELOW its threshold 0.9 (90%).",
      ]);
      expect(await isHidden(page, "#eval [data-slot=below]")).toBe(false);
      expect(await textOf(page, "#eval [data-slot=note]")).toEqual([`Without a price, so not in the cost: ${hostileModel}.`]);

      const chart = (await canvases(page)).find((s) => s.id === "chart-eval");
      // Five checks; agreement did not run on the primary: 14 bars, the last resort's 0% tool calls among them.
      expect(chart).toMatchObject({ shown: true, rendered: "true", points: 14 });
      expect(chart?.painted).toBeGreaterThan(1000);
      expect(await rowCount(page, "#eval [data-slot=table] tbody tr")).toBe(14);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);

  it("lists the regressions with the prompt and both answers side by side, as text, bounded", async () => {
    const { page, problems } = await open("report.html");
    try {
      expect(await page.$eval("#eval [data-slot=list]", (node) => (node as unknown as ElementNode).dataset.count)).toBe("2");
      const cards = await page.$$eval("#eval .regression", (nodes) =>
        (nodes as unknown as (ElementNode & { querySelectorAll(s: string): ArrayLike<ElementNode> })[]).map((card) => ({
          prompt: card.dataset.prompt,
          model: card.dataset.model,
          title: Array.from(card.querySelectorAll("h4"), (node) => node.textContent ?? "")[0],
          failed: Array.from(card.querySelectorAll("li"), (node) => node.textContent ?? ""),
          columns: Array.from(card.querySelectorAll(".eval-text"), (node) => node.textContent ?? ""),
        })),
      );
      const [first, second] = evalFixture().regressions;
      expect(cards).toHaveLength(2);
      expect(cards[0]).toMatchObject({
        prompt: hostilePromptId,
        model: "gpt-4.1-mini",
        title: `${hostilePromptId} on gpt-4.1-mini`,
      });
      expect(cards[0]?.failed).toEqual([
        "json-schema: answer/quantity must be integer",
        `${hostileCheck}: does not contain ${hostileScript}`,
      ]);
      expect(cards[0]?.columns).toEqual([
        `The prompt${first?.prompt}`,
        `claude, the primary, answered${first?.primaryAnswer}`,
        `gpt-4.1-mini answered${first?.answer}`,
      ]);
      expect(cards[1]?.columns[2]).toBe(`${hostileModel} answeredNo answer: its calls failed.`);
      expect(second?.answer).toBe("");
      // The long answer scrolls in a box of bounded height, not the page.
      const box = await page.$eval("#eval .regression .eval-text.primary pre", (node) => {
        const pre = node as unknown as { clientHeight: number; scrollHeight: number };
        return { client: pre.clientHeight, scroll: pre.scrollHeight };
      });
      expect(box.client).toBeLessThan(box.scroll);
      expect(box.client).toBeLessThan(320);
      expect(await page.evaluate("'__xss' in window")).toBe(false);
      expect(await rowCount(page, "img")).toBe(0);
      expect((await textOf(page, "#eval")).join("")).toContain(hostileMarkup);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);

  it("renders a page of an eval alone: no filters, totals nor log sections, one line saying there is no log", async () => {
    const { page, problems } = await open("eval-only.html");
    try {
      expect((await canvases(page)).filter((s) => s.shown).map((s) => [s.id, s.rendered])).toEqual([["chart-eval", "true"]]);
      expect(await isHidden(page, "#eval")).toBe(false);
      for (const selector of ["#filters", "#totals", "#requests", "#latency", "#failed", "#comparisons"]) {
        expect(await isHidden(page, selector), selector).toBe(true);
      }
      expect(await textOf(page, "#no-log")).toEqual([
        "No request log was given, so this page shows the eval only; understudy report <log> draws a log's requests, fallbacks, latency and cost.",
      ]);
      const visible = await page.evaluate("document.body.innerText");
      expect(visible).not.toContain("No requests in this window");
      expect(visible).not.toContain("Requests from");
      expect(visible).toContain("Evals of the fallback path");
      expect(await rowCount(page, "#eval .regression")).toBe(2);
      expect(await page.evaluate("'__xss' in window")).toBe(false);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);
});
