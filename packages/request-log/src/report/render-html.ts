import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ReportData } from "./report-data.ts";

/**
 * The report as one self-contained HTML page: Chart.js, the page's script and
 * styles and the data inlined, so that it opens from a file, offline, and
 * loads nothing (its Content-Security-Policy forbids it). The page draws
 * every section from the data in the browser and redraws them when the
 * window or tag filter changes.
 *
 * @param data - what `buildReport` read out of the log
 * @returns the page's HTML
 */
export function renderReportHtml(data: ReportData): string {
  const { chartJs, script, css } = pageAssets();
  const policy = [
    "default-src 'none'",
    `script-src ${sha256Source(chartJs)} ${sha256Source(script)}`,
    `style-src ${sha256Source(css)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${policy}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    "<title>understudy report</title>",
    `<style>${css}</style>`,
    "</head>",
    "<body>",
    pageSkeleton(),
    `<script type="application/json" id="report-data">${jsonForScript(data)}</script>`,
    `<script>${chartJs}</script>`,
    `<script type="module">${script}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/**
 * JSON that cannot end its script element nor open a comment in it: `<`, `>`
 * and `&` as `\u` escapes (a captured prompt may well hold `</script>`),
 * U+2028/U+2029 too (line terminators to older JavaScript parsers). Only
 * string contents can hold these, where the escapes mean the same.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A CSP source allowing exactly this inline script or style. */
function sha256Source(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

interface PageAssets {
  readonly chartJs: string;
  readonly script: string;
  readonly css: string;
}

let assets: PageAssets | undefined;

/** Read once, on the first page: most processes that import this module never render one. */
function pageAssets(): PageAssets {
  assets ??= {
    chartJs: inlineScript(readFileSync(chartJsPath(), "utf8"), "chart.js"),
    script: inlineScript(readPageFile("report-page.js"), "report-page.js"),
    css: readPageFile("report-page.css"),
  };
  return assets;
}

/**
 * Chart.js's UMD build. Its package exports only its ESM and CJS entry
 * points, not `dist/chart.umd.min.js`, so the file is found beside the CJS one.
 */
function chartJsPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("chart.js")), "chart.umd.min.js");
}

/**
 * The page's own script and styles are kept in `src/report/page`, which the
 * package ships: next to this module when it runs from `src`, and at the
 * same place in `src` when it runs from `dist` (tsc copies no assets).
 */
function readPageFile(name: string): string {
  const candidates = [new URL(`./page/${name}`, import.meta.url), new URL(`../../src/report/page/${name}`, import.meta.url)];
  const found = candidates.find((url) => existsSync(url));
  if (!found)
    throw new Error(`the report page's ${name} is missing: looked at ${candidates.map((url) => fileURLToPath(url)).join(", ")}`);
  // The HTML parser turns CRLF into LF; the CSP hash must be of what the browser sees.
  return readFileSync(found, "utf8").replace(/\r\n?/g, "\n");
}

/**
 * A script as it can sit inside a `<script>` element: without its source map
 * comment (the map is not shipped with the page), and refused if it holds
 * what would end the element early.
 */
function inlineScript(source: string, name: string): string {
  const script = source.replace(/\r\n?/g, "\n").replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
  if (/<\/script|<!--/i.test(script)) throw new Error(`${name} cannot be inlined: it contains "</script" or "<!--"`);
  return script;
}

/** A section of the page: the script fills its note, charts and tables by their ids and `data-slot`s. */
interface SectionPlan {
  readonly id: string;
  readonly title: string;
  /** What the section shows, in a sentence. */
  readonly lead: string;
  readonly charts: readonly { readonly id: string; readonly label: string }[];
  /** Where its tables go: folded under its charts, or in the open when they are the section. */
  readonly tables: "folded" | "open" | "none";
}

const sections: readonly SectionPlan[] = [
  {
    id: "requests",
    title: "Requests and who answered over time",
    lead: "Requests per time bucket, stacked by the model that answered them; requests no model answered are stacked by how they ended.",
    charts: [{ id: "chart-requests", label: "Stacked bars: requests per time bucket by answering model and by failure outcome" }],
    tables: "folded",
  },
  {
    id: "fallbacks",
    title: "Fallback rate by reason and model",
    lead: "Of the requests that called a model, the share that left it for the next model, by the kind of failure.",
    charts: [{ id: "chart-fallbacks", label: "Stacked bars: fallback rate per model by failure kind" }],
    tables: "folded",
  },
  {
    id: "availability",
    title: "Skips and unavailable periods",
    lead: "When requests found a model unavailable (breaker open, cooling down, isolated, probing) and passed over it, and how many skips each time bucket saw.",
    charts: [
      { id: "chart-unavailable", label: "Timeline: periods each model was unavailable" },
      { id: "chart-skips", label: "Stacked bars: skips per time bucket by model" },
    ],
    tables: "folded",
  },
  {
    id: "latency",
    title: "Latency p50/p95 and time to first token per model",
    lead: "How long each model took to answer, and for streams how long until the first token reached the caller.",
    charts: [{ id: "chart-latency", label: "Grouped bars: answer latency and time to first token per model" }],
    tables: "folded",
  },
  {
    id: "spend",
    title: "Tokens and cost, answered vs wasted, per model",
    lead: "What each model's answers cost, apart from the calls that failed or were cancelled and were paid for nothing.",
    charts: [
      { id: "chart-cost", label: "Stacked bars: cost per model, answered and wasted" },
      { id: "chart-tokens", label: "Stacked bars: tokens per model, answered and wasted" },
    ],
    tables: "folded",
  },
  {
    id: "slowest",
    title: "Slowest requests",
    lead: "The requests that took longest, whatever their outcome.",
    charts: [],
    tables: "open",
  },
  {
    id: "failed",
    title: "Failed requests",
    lead: "The latest requests that did not succeed: no model answered, a stream broke, or the caller gave up.",
    charts: [],
    tables: "open",
  },
  {
    id: "shadows",
    title: "Shadow calls: a backup on live traffic",
    lead: "A sample of answered requests sent also to a backup in the background (the chain's shadow option), its answer checked like the real one: how the backup would have answered today's traffic.",
    charts: [],
    tables: "open",
  },
  {
    id: "comparisons",
    title: "What the primary and the backups answered",
    lead: "Captured prompts that more than one model answered, with each model's latest answer side by side.",
    charts: [],
    tables: "none",
  },
];

/** The page's fixed structure; nothing of the report's data is in it (the script inserts that as text). */
function pageSkeleton(): string {
  return [
    '<header id="summary">',
    "<h1>understudy report</h1>",
    '<p id="fatal" class="fatal" role="alert" hidden></p>',
    '<dl id="report-meta" class="meta"></dl>',
    '<p id="no-log" class="note" hidden></p>',
    '<form class="filters" id="filters">',
    '<label>Window <select id="window"></select></label>',
    '<label>Tag <select id="tag"></select></label>',
    "<span>Times are UTC.</span>",
    "</form>",
    '<p id="dropped-warning" class="warning" role="alert" hidden></p>',
    '<p id="cost-warning" class="warning" hidden></p>',
    '<dl id="totals" class="totals"></dl>',
    '<p id="totals-detail" class="totals-detail"></p>',
    '<noscript><p class="fatal">This report draws its charts and tables with JavaScript; allow scripts for this file to read it.</p></noscript>',
    "</header>",
    "<main>",
    evalSectionHtml(),
    ...sections.map(sectionHtml),
    "</main>",
  ].join("\n");
}

/**
 * The eval's section (`ReportData.eval`), first in the page and hidden when
 * the report has none: the run, a table per model, pass rate per check, and
 * the regressions against the primary.
 */
function evalSectionHtml(): string {
  return [
    '<section id="eval" aria-labelledby="eval-title" hidden>',
    '<h2 id="eval-title">Evals of the fallback path</h2>',
    '<p class="lead">Each model of the chain run on its own over the same prompts, its answers checked: what each fallback path would answer, measured before an outage makes it answer.</p>',
    '<dl class="meta" data-slot="meta"></dl>',
    '<p class="warning" data-slot="below" role="alert" hidden></p>',
    '<p class="note" data-slot="note" hidden></p>',
    '<div data-slot="models"></div>',
    '<h3 id="eval-checks-title">Pass rate per check and model</h3>',
    `<div class="chart-box"><canvas id="chart-eval" role="img" aria-label="${escapeHtml("Grouped bars: the share of answers that passed each check, per model")}"></canvas></div>`,
    '<details><summary>Data table</summary><div data-slot="table"></div></details>',
    '<h3 id="eval-regressions-title">Regressions: prompts a backup failed that the primary passed</h3>',
    '<div data-slot="list"></div>',
    "</section>",
  ].join("\n");
}

function sectionHtml(plan: SectionPlan): string {
  const charts = plan.charts.map(
    (chart) =>
      `<div class="chart-box"><canvas id="${chart.id}" role="img" aria-label="${escapeHtml(chart.label)}"></canvas></div>`,
  );
  const tables = {
    folded: '<details><summary>Data table</summary><div data-slot="table"></div></details>',
    open: '<div data-slot="table"></div>',
    none: '<div data-slot="list"></div>',
  }[plan.tables];
  return [
    `<section id="${plan.id}" aria-labelledby="${plan.id}-title">`,
    `<h2 id="${plan.id}-title">${escapeHtml(plan.title)}</h2>`,
    `<p class="lead">${escapeHtml(plan.lead)}</p>`,
    '<p class="note" data-slot="note" hidden></p>',
    ...charts,
    tables,
    "</section>",
  ].join("\n");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
