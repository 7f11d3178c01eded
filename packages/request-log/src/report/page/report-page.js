// @ts-check
// The report page's script, inlined by render-html.ts as a module after
// Chart.js's UMD build (the global `Chart`). Plain JavaScript so the page
// needs no bundler; `// @ts-check` with ./tsconfig.json type-checks it
// against the ReportData contract and Chart.js's types.
//
// Every text from the report (model names, tags, errors, prompts, answers)
// reaches the DOM as text nodes (`append` of strings, `textContent`), never
// as markup: captured text is hostile by default.

/** @typedef {import("../report-data.ts").ReportData} ReportData */
/** @typedef {import("../report-data.ts").ReportView} ReportView */
/** @typedef {import("../report-data.ts").ReportWindow} ReportWindow */
/** @typedef {import("../report-data.ts").ReportTag} ReportTag */
/** @typedef {import("../report-data.ts").ReportedRequest} ReportedRequest */
/** @typedef {import("../report-data.ts").EvalSection} EvalSection */
/** @typedef {import("../report-data.ts").EvalModelResult} EvalModelResult */
/** @typedef {import("../report-data.ts").EvalCheckResult} EvalCheckResult */
/** @typedef {import("../report-data.ts").EvalRegression} EvalRegression */
/** @typedef {import("../../reader/request-log-reader.ts").AnswerComparison} AnswerComparison */
/** @typedef {import("../../reader/request-log-reader.ts").ComparedAnswer} ComparedAnswer */
/** @typedef {import("../../reader/request-log-reader.ts").UnavailablePeriod} UnavailablePeriod */
/** @typedef {import("../../reader/request-log-reader.ts").RequestBucket} RequestBucket */
/** @typedef {import("../../reader/request-log-reader.ts").SpendTotals} SpendTotals */
/** @typedef {import("chart.js").ChartConfiguration<"bar", unknown[], unknown>} BarConfig */
/** @typedef {import("chart.js").ChartDataset<"bar", unknown[]>} BarDataset */
/** @typedef {import("chart.js").TooltipItem<"bar">} BarTooltipItem */
/** @typedef {"solid" | "diagonal" | "backslash" | "dots" | "vertical" | "horizontal" | "cross" | "grid"} Shape */
/** @typedef {{ readonly color: string, readonly shape: Shape }} SeriesStyle */
/** @typedef {string | Node | { readonly num: string } | { readonly nowrap: string }} Cell */
/**
 * What one rendering of the page is about.
 * @typedef {object} Context
 * @property {ReportData} data
 * @property {ReportWindow | undefined} window
 * @property {ReportTag | undefined} tag
 * @property {ReportView | undefined} view
 * @property {Palette} palette
 */
/**
 * Stable styles per series, the same across filters.
 * @typedef {object} Palette
 * @property {(model: string) => SeriesStyle} model
 * @property {(reason: string) => SeriesStyle} reason
 * @property {string[]} models
 */

const ChartJs = /** @type {typeof import("chart.js").Chart} */ (Reflect.get(globalThis, "Chart"));

const noRequests = "No requests in this window.";
const captureCall = "recordRequests(chain, sink, { capture: { prompts: true, answers: true } })";
const captureOff =
  `No answers to compare: prompts and answers are kept only when capture is on, e.g. ${captureCall}. ` +
  "Capture is off by default because prompts hold what your users typed.";

// Okabe–Ito: told apart by the common colour-vision deficiencies; every
// series also gets its own fill pattern, so colour is never the only cue.
const colors = ["#0072B2", "#E69F00", "#009E73", "#56B4E9", "#CC79A7", "#F0E442", "#D55E00", "#000000"];
/** @type {Shape[]} */
const shapes = ["solid", "diagonal", "dots", "vertical", "backslash", "horizontal", "cross", "grid"];

const otherOutcome = /** @type {SeriesStyle} */ ({ color: "#882255", shape: "grid" });
/** @type {Record<string, SeriesStyle>} */
const outcomeStyles = {
  exhausted: { color: "#000000", shape: "cross" },
  interrupted: { color: "#D55E00", shape: "diagonal" },
  surfaced: { color: "#CC79A7", shape: "dots" },
  aborted: { color: "#999999", shape: "horizontal" },
  error: otherOutcome,
};
const outcomeOrder = ["exhausted", "interrupted", "surfaced", "aborted", "error"];

const answeredStyle = /** @type {SeriesStyle} */ ({ color: "#009E73", shape: "solid" });
const wastedStyle = /** @type {SeriesStyle} */ ({ color: "#D55E00", shape: "diagonal" });
/** @type {[string, SeriesStyle, (row: import("../../reader/request-log-reader.ts").ModelLatency) => number | undefined][]} */
const latencySeries = [
  ["p50", { color: "#0072B2", shape: "solid" }, (row) => row.p50Ms],
  ["p95", { color: "#56B4E9", shape: "diagonal" }, (row) => row.p95Ms],
  ["first token p50", { color: "#E69F00", shape: "dots" }, (row) => row.firstTokenP50Ms],
  ["first token p95", { color: "#F0E442", shape: "cross" }, (row) => row.firstTokenP95Ms],
];

// ---- start ----------------------------------------------------------------

/** @returns {ReportData | undefined} */
function readReportData() {
  const parsed = JSON.parse(byId("report-data").textContent ?? "null");
  if (parsed?.version === 1) return parsed;
  showFatal(`This page shows report format 1, not format ${String(parsed?.version)}: make the report again.`);
  return undefined;
}

/** @param {string} message */
function showFatal(message) {
  const fatal = byId("fatal");
  fatal.textContent = message;
  fatal.hidden = false;
}

/** @param {ReportData} data */
function start(data) {
  const palette = makePalette(data);
  // `understudy eval --report` writes a page of an eval and no log: it leads with the eval, and the
  // log's sections, which would each say there are no requests, are left out.
  const evalOnly = data.eval !== undefined && data.windows.length === 0;
  try {
    fillMeta(data, evalOnly);
    if (evalOnly) hideLogSections();
    else fillFilterChoices(data);
  } catch (error) {
    showFatal(`This report could not be read: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
  if (data.eval) {
    try {
      renderEval(data.eval, palette);
    } catch (error) {
      showFatal(`This report's eval could not be drawn: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  }
  if (evalOnly) return;
  applyHash(data);
  const render = () => {
    try {
      renderAll(context(data, palette));
    } catch (error) {
      // Say so on the page rather than leave it half drawn; rethrown for the console.
      showFatal(`This report could not be drawn: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  };
  for (const id of ["window", "tag"]) {
    byId(id).addEventListener("change", () => {
      writeHash();
      render();
    });
  }
  window.addEventListener("hashchange", () => {
    applyHash(data);
    render();
  });
  render();
}

/**
 * @param {ReportData} data
 * @param {Palette} palette
 * @returns {Context}
 */
function context(data, palette) {
  const chosen = data.windows.find((w) => w.id === selectById("window").value) ?? data.windows[0];
  const tagValue = selectById("tag").value;
  const tagIndex = tagValue === "" ? undefined : Number(tagValue);
  const tag = tagIndex === undefined ? undefined : data.tags[tagIndex];
  const key = chosen && (tagIndex === undefined ? chosen.id : `${chosen.id}|${tagIndex}`);
  return { data, window: chosen, tag, view: key === undefined ? undefined : data.views[key], palette };
}

/** @param {Context} ctx */
function renderAll(ctx) {
  renderTotals(ctx);
  renderRequests(ctx);
  renderFallbacks(ctx);
  renderAvailability(ctx);
  renderLatency(ctx);
  renderSpend(ctx);
  renderList("slowest", ctx, ctx.view?.slowest, "No requests in this window.");
  renderList("failed", ctx, ctx.view?.failed, "No request failed in this window.");
  renderShadows(ctx);
  renderComparisons(ctx);
}

// ---- filters and the URL hash ----------------------------------------------

/** @param {ReportData} data */
function fillFilterChoices(data) {
  const windows = selectById("window");
  windows.replaceChildren(...data.windows.map((w) => option(w.id, w.label)));
  if (data.windows.length === 0) windows.append(option("", "whole log"));
  windows.disabled = data.windows.length <= 1;
  const tags = selectById("tag");
  tags.replaceChildren(
    option("", "all tags"),
    ...data.tags.map((t, i) => option(String(i), `${t.key}=${t.value} (${count(t.requests)})`)),
  );
  tags.disabled = data.tags.length === 0;
}

/**
 * @param {string} value
 * @param {string} label
 */
function option(value, label) {
  const node = document.createElement("option");
  node.value = value;
  node.textContent = label;
  return node;
}

/** Sets the filters from the hash (`#window=1h&tag=2`), so that a link reopens the same view. @param {ReportData} data */
function applyHash(data) {
  const params = new URLSearchParams(location.hash.slice(1));
  const windowId = params.get("window");
  const tag = params.get("tag");
  selectById("window").value = data.windows.some((w) => w.id === windowId) ? String(windowId) : (data.windows[0]?.id ?? "");
  selectById("tag").value = tag !== null && data.tags[Number(tag)] !== undefined ? tag : "";
}

function writeHash() {
  const params = new URLSearchParams({ window: selectById("window").value });
  const tag = selectById("tag").value;
  if (tag !== "") params.set("tag", tag);
  // replaceState, not location.hash: a filter change is not a page to go back to, and it fires no hashchange.
  history.replaceState(null, "", `#${params}`);
}

// ---- header ------------------------------------------------------------------

/**
 * @param {ReportData} data
 * @param {boolean} evalOnly - a page of an eval without a log
 */
function fillMeta(data, evalOnly) {
  document.title = `understudy report: ${data.source}`;
  const span = data.span
    ? `${dateTime(data.span.from)} – ${dateTime(data.span.to)} (${duration(data.span.to - data.span.from)})`
    : "empty log";
  byId("report-meta").replaceChildren(
    ...metaItem("Source", data.source),
    ...metaItem("Generated", dateTime(data.generatedAt)),
    ...(evalOnly ? [] : [...metaItem("Requests from", span), ...metaItem("Report filters", filtersText(data.filters))]),
  );
}

/** The page of an eval alone: no filters, totals nor log sections, one line saying why. */
function hideLogSections() {
  const noLog = byId("no-log");
  noLog.replaceChildren(
    "No request log was given, so this page shows the eval only; ",
    el("code", {}, "understudy report <log>"),
    " draws a log's requests, fallbacks, latency and cost.",
  );
  noLog.hidden = false;
  for (const id of ["filters", "totals", "totals-detail"]) byId(id).hidden = true;
  for (const section of document.querySelectorAll("main > section:not(#eval)")) {
    if (section instanceof HTMLElement) section.hidden = true;
  }
}

/**
 * @param {string} term
 * @param {string} text
 */
function metaItem(term, text) {
  return [el("dt", {}, term), el("dd", {}, text)];
}

/** @param {ReportData["filters"]} filters */
function filtersText(filters) {
  const parts = [
    filters.from === undefined ? "" : `from ${dateTime(filters.from)}`,
    filters.to === undefined ? "" : `to ${dateTime(filters.to)}`,
    filters.chain === undefined ? "" : `chain ${filters.chain}`,
    ...Object.entries(filters.tags ?? {}).map(([key, value]) => `${key}=${value}`),
  ];
  return parts.filter((part) => part !== "").join(", ") || "none";
}

/** @param {Context} ctx */
function renderTotals(ctx) {
  const summary = ctx.view?.summary;
  const requests = summary?.requests ?? 0;
  const success = summary?.outcomes.success ?? 0;
  const totals = [
    total("total-requests", "Requests", count(requests), requests),
    total("total-success", "Succeeded", percent(success, requests), success, `${count(success)} of ${count(requests)}`),
    total("total-fallback", "Fell back", percent(summary?.withFallback ?? 0, requests), summary?.withFallback ?? 0),
    total(
      "total-backup",
      "Answered by a backup",
      percent(summary?.answeredByBackup ?? 0, requests),
      summary?.answeredByBackup ?? 0,
      "first model failed, was skipped or lost a hedge",
    ),
    // Only for a log of a chain that hedges: elsewhere it would be a zero to explain.
    ...(hedgingUsed(ctx.data)
      ? [
          total(
            "total-hedged",
            "Hedged",
            percent(summary?.hedged ?? 0, requests),
            summary?.hedged ?? 0,
            summary ? hedgesText(summary) : undefined,
          ),
        ]
      : []),
    total("total-cost-answer", "Cost of answers", money(summary?.costAnswer ?? 0), summary?.costAnswer ?? 0),
    total("total-cost-wasted", "Cost wasted", money(summary?.costWasted ?? 0), summary?.costWasted ?? 0),
    total("total-p50", "Duration p50", duration(summary?.durationP50Ms), summary?.durationP50Ms),
    total("total-p95", "Duration p95", duration(summary?.durationP95Ms), summary?.durationP95Ms),
  ];
  byId("totals").replaceChildren(...totals);
  byId("totals-detail").textContent = summary && requests > 0 ? totalsDetail(summary) : noRequests;
  setWarning("dropped-warning", summary && summary.dropped > 0 ? droppedText(summary.dropped) : "");
  setWarning("cost-warning", summary && summary.costIncomplete > 0 ? unpricedText(summary.costIncomplete) : "");
}

/**
 * @param {string} id
 * @param {string} label
 * @param {string} text
 * @param {number | undefined} value - the raw figure, for tests and tools
 * @param {string} [detail]
 */
function total(id, label, text, value, detail) {
  const figure = el("dd", { id, "data-value": value === undefined ? "" : String(value) }, text);
  const box = el("div", { class: "total" }, el("dt", {}, label), figure);
  if (detail) box.append(el("dd", { class: "total-detail" }, detail));
  return box;
}

/** Whether any request of the report started a hedge (whatever the filters): the page then counts hedges. @param {ReportData} data */
function hedgingUsed(data) {
  return Object.values(data.views).some((view) => view.summary.hedges > 0);
}

/** @param {import("../../reader/request-log-reader.ts").LogSummary} summary */
function hedgesText(summary) {
  const hedges = summary.hedges === 1 ? "1 hedge" : `${count(summary.hedges)} hedges`;
  return `${hedges}, ${count(summary.hedgesWon)} won by the call started beside the slow one`;
}

/** @param {import("../../reader/request-log-reader.ts").LogSummary} summary */
function totalsDetail(summary) {
  const outcomes = Object.entries(summary.outcomes).map(([outcome, n]) => `${outcome} ${count(n ?? 0)}`);
  const moves = [
    `${count(summary.calls)} calls`,
    `${count(summary.skips)} skips`,
    `${count(summary.retries)} retries`,
    `${count(summary.fallbacks)} fallbacks`,
    `${count(summary.resets)} stream resets`,
  ];
  return `Outcomes: ${outcomes.join(", ")}. ${moves.join(", ")}.`;
}

/** @param {number} dropped */
function droppedText(dropped) {
  return `The log lost ${count(dropped)} requests in this window (its buffer was full or writes failed): every figure here undercounts by as much. Lost requests are counted by time, not by tag.`;
}

/** @param {number} requests */
function unpricedText(requests) {
  return `${count(requests)} requests used a model without a price: their cost is missing from the figures.`;
}

/**
 * @param {string} id
 * @param {string} text
 */
function setWarning(id, text) {
  const node = byId(id);
  node.textContent = text;
  node.hidden = text === "";
}

// ---- requests over time -------------------------------------------------------

/** @param {Context} ctx */
function renderRequests(ctx) {
  const rows = ctx.view?.requestsOverTime ?? [];
  if (!ctx.window || !ctx.view || ctx.view.summary.requests === 0) return emptySection("requests", ["chart-requests"]);
  const buckets = bucketStarts(
    ctx.window,
    rows.map((r) => r.bucketStart),
  );
  const datasets = requestSeries(rows, ctx.palette).map((s) =>
    barDataset(
      s.label,
      s.style,
      bucketValues(buckets, s.rows, (r) => r.requests),
    ),
  );
  drawChart("chart-requests", timeBarConfig(buckets, ctx.window.bucketMs, datasets, "requests"));
  const table = dataTable(
    "Requests per bucket, outcome and answering model",
    ["Bucket start (UTC)", "Outcome", "Answered by", "Requests"],
    rows.map((r) => [{ nowrap: dateTime(r.bucketStart) }, r.outcome, r.model ?? "–", { num: count(r.requests) }]),
  );
  fillSection("requests", "", table);
}

/**
 * The requests chart's series: each model's answers, in chain order, then
 * the requests no model answered, one series per way they ended.
 * @param {readonly RequestBucket[]} rows
 * @param {Palette} palette
 */
function requestSeries(rows, palette) {
  const answered = rows.filter((r) => r.outcome === "success" && r.model !== null);
  const unanswered = rows.filter((r) => !answered.includes(r));
  const models = ordered(unique(answered.map((r) => r.model ?? "")), palette.models);
  return [
    ...models.map((model) => ({ label: model, style: palette.model(model), rows: answered.filter((r) => r.model === model) })),
    ...outcomeOrder
      .map((outcome) => ({
        label: `not answered: ${outcome}`,
        style: outcomeStyles[outcome] ?? otherOutcome,
        rows: unanswered.filter((r) => r.outcome === outcome),
      }))
      .filter((series) => series.rows.length > 0),
  ];
}

/**
 * Every bucket of the window, so gaps show as gaps; only the buckets with data
 * if the window would have absurdly many.
 * @param {ReportWindow} window
 * @param {number[]} present
 */
function bucketStarts(window, present) {
  const first = Math.floor(window.from / window.bucketMs) * window.bucketMs;
  const n = Math.ceil((window.to - first) / window.bucketMs);
  const all = n > 0 && n <= 500 ? Array.from({ length: n }, (_, i) => first + i * window.bucketMs) : [];
  return unique([...all, ...present]).sort((a, b) => a - b);
}

/**
 * @template T
 * @param {number[]} buckets
 * @param {readonly (T & { readonly bucketStart: number })[]} rows
 * @param {(row: T) => number} value
 */
function bucketValues(buckets, rows, value) {
  /** @type {Map<number, number>} */
  const sums = new Map();
  for (const row of rows) sums.set(row.bucketStart, (sums.get(row.bucketStart) ?? 0) + value(row));
  return buckets.map((bucket) => sums.get(bucket) ?? 0);
}

/**
 * Stacked bars over time buckets. A category axis of bucket starts rather
 * than a time scale: that needs a date adapter, and a bar per bucket is what
 * is drawn anyway.
 * @param {number[]} buckets
 * @param {number} bucketMs
 * @param {BarDataset[]} datasets
 * @param {string} unit
 * @returns {BarConfig}
 */
function timeBarConfig(buckets, bucketMs, datasets, unit) {
  const range = (buckets.at(-1) ?? 0) + bucketMs - (buckets[0] ?? 0);
  return {
    type: "bar",
    data: { labels: buckets, datasets },
    options: {
      ...baseOptions(),
      scales: {
        x: {
          stacked: true,
          ticks: { callback: (_, index) => shortTime(buckets[index] ?? 0, range), maxRotation: 0, autoSkipPadding: 12 },
        },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: unit } },
      },
      plugins: {
        ...baseOptions().plugins,
        tooltip: { callbacks: { title: (items) => bucketTitle(buckets[items[0]?.dataIndex ?? 0] ?? 0, bucketMs) } },
      },
    },
  };
}

/**
 * @param {number} start
 * @param {number} bucketMs
 */
function bucketTitle(start, bucketMs) {
  return `${dateTime(start)} – ${dateTime(start + bucketMs)} UTC`;
}

// ---- fallbacks ---------------------------------------------------------------

/** @param {Context} ctx */
function renderFallbacks(ctx) {
  if (!ctx.view || ctx.view.summary.requests === 0) return emptySection("fallbacks", ["chart-fallbacks"]);
  const rates = ctx.view.fallbackRates;
  const models = ordered(unique(rates.map((r) => r.model)), ctx.palette.models);
  const reasons = unique(rates.map((r) => r.reason));
  const find = (/** @type {string} */ model, /** @type {string} */ reason) =>
    rates.find((r) => r.model === model && r.reason === reason);
  const datasets = reasons.map((reason) =>
    barDataset(
      reason,
      ctx.palette.reason(reason),
      models.map((model) => (find(model, reason)?.rate ?? 0) * 100),
    ),
  );
  drawChart("chart-fallbacks", fallbackConfig(models, datasets, find));
  const table = dataTable(
    "Fallbacks per model and failure kind",
    ["Model", "Failure kind", "Fallbacks", "Requests that called the model", "Rate"],
    rates.map((r) => [
      r.model,
      r.reason,
      { num: count(r.fallbacks) },
      { num: count(r.requests) },
      { num: percent(r.fallbacks, r.requests) },
    ]),
  );
  fillSection("fallbacks", rates.length === 0 ? "No request fell back in this window." : "", ...(rates.length ? [table] : []));
}

/**
 * @param {string[]} models
 * @param {BarDataset[]} datasets
 * @param {(model: string, reason: string) => import("../../reader/request-log-reader.ts").FallbackRate | undefined} find
 * @returns {BarConfig}
 */
function fallbackConfig(models, datasets, find) {
  const label = (/** @type {BarTooltipItem} */ item) => {
    const rate = find(models[item.dataIndex] ?? "", item.dataset.label ?? "");
    return rate
      ? `${rate.reason}: ${percent(rate.fallbacks, rate.requests)} (${count(rate.fallbacks)} of ${count(rate.requests)})`
      : "";
  };
  return {
    type: "bar",
    data: { labels: models, datasets },
    options: {
      ...baseOptions(),
      scales: {
        x: { stacked: true },
        y: {
          stacked: true,
          beginAtZero: true,
          ticks: { callback: (value) => `${value}%` },
          title: { display: true, text: "requests that left the model" },
        },
      },
      plugins: { ...baseOptions().plugins, tooltip: { callbacks: { label } } },
    },
  };
}

// ---- skips and unavailable periods -----------------------------------------

/** @param {Context} ctx */
function renderAvailability(ctx) {
  const charts = ["chart-unavailable", "chart-skips"];
  if (!ctx.window || !ctx.view || ctx.view.summary.requests === 0) return emptySection("availability", charts);
  const { unavailablePeriods: periods, skipsOverTime: skips } = ctx.view;
  drawTimeline(ctx, ctx.window, periods);
  const buckets = bucketStarts(
    ctx.window,
    skips.map((s) => s.bucketStart),
  );
  const models = ordered(unique(skips.map((s) => s.model)), ctx.palette.models);
  const datasets = models.map((model) =>
    barDataset(
      model,
      ctx.palette.model(model),
      bucketValues(
        buckets,
        skips.filter((s) => s.model === model),
        (s) => s.skips,
      ),
    ),
  );
  drawChart("chart-skips", timeBarConfig(buckets, ctx.window.bucketMs, datasets, "skips"));
  const note = skips.length === 0 && periods.length === 0 ? "No model was skipped in this window." : "";
  fillSection("availability", note, ...(note ? [] : [periodsTable(periods), skipsTable(skips)]));
}

/**
 * Floating horizontal bars, one row per model, on a linear axis of epoch ms.
 * @param {Context} ctx
 * @param {ReportWindow} window
 * @param {readonly UnavailablePeriod[]} periods
 */
function drawTimeline(ctx, window, periods) {
  const models = ordered(unique(periods.map((p) => p.model)), ctx.palette.models);
  const min = Math.min(window.from, ...periods.map((p) => p.from));
  const max = Math.max(window.to, ...periods.map((p) => p.to));
  // A period of one skip has no length; give it a sliver so that it shows.
  const sliver = (max - min) / 200;
  const datasets = models.map((model) =>
    barDataset(
      model,
      ctx.palette.model(model),
      periods
        .filter((p) => p.model === model)
        .map((p) => ({ x: [p.from, Math.max(p.to, p.from + sliver)], y: model, period: p })),
      { grouped: false },
    ),
  );
  const box = canvasById("chart-unavailable").parentElement;
  if (box) box.style.height = `${110 + 36 * models.length}px`;
  drawChart("chart-unavailable", timelineConfig(models, datasets, min, max));
}

/**
 * @param {string[]} models
 * @param {BarDataset[]} datasets
 * @param {number} min
 * @param {number} max
 * @returns {BarConfig}
 */
function timelineConfig(models, datasets, min, max) {
  const range = max - min;
  const label = (/** @type {BarTooltipItem} */ item) => {
    const period = /** @type {{ period: UnavailablePeriod }} */ (item.raw).period;
    return `${item.dataset.label}: ${dateTime(period.from)} – ${dateTime(period.to)}, ${count(period.skips)} skips (${period.reasons.join(", ")})`;
  };
  return {
    type: "bar",
    data: { labels: models, datasets },
    options: {
      ...baseOptions(),
      indexAxis: "y",
      scales: {
        x: {
          type: "linear",
          min,
          max,
          ticks: { stepSize: timeStep(range), callback: (value) => shortTime(Number(value), range), maxRotation: 0 },
        },
        y: { type: "category", labels: models },
      },
      plugins: { ...baseOptions().plugins, tooltip: { callbacks: { title: () => "unavailable", label } } },
    },
  };
}

/** @param {readonly UnavailablePeriod[]} periods */
function periodsTable(periods) {
  return dataTable(
    "Periods a model was unavailable (by the skips it caused)",
    ["Model", "From (UTC)", "To (UTC)", "Length", "Skips", "Reasons"],
    periods.map((p) => [
      p.model,
      { nowrap: dateTime(p.from) },
      { nowrap: dateTime(p.to) },
      duration(p.to - p.from),
      { num: count(p.skips) },
      p.reasons.join(", "),
    ]),
  );
}

/** @param {readonly import("../../reader/request-log-reader.ts").SkipBucket[]} skips */
function skipsTable(skips) {
  return dataTable(
    "Skips per bucket, model and reason",
    ["Bucket start (UTC)", "Model", "Reason", "Skips"],
    skips.map((s) => [{ nowrap: dateTime(s.bucketStart) }, s.model, s.reason, { num: count(s.skips) }]),
  );
}

// ---- latency -------------------------------------------------------------------

/** @param {Context} ctx */
function renderLatency(ctx) {
  if (!ctx.view || ctx.view.summary.requests === 0) return emptySection("latency", ["chart-latency"]);
  const view = ctx.view;
  const latency = ordered(
    view.latency.map((r) => r.model),
    ctx.palette.models,
  ).flatMap((model) => view.latency.filter((r) => r.model === model));
  const series = latencySeries.filter(([, , value]) => latency.some((r) => value(r) !== undefined));
  const datasets = series.map(([label, style, value]) =>
    barDataset(
      label,
      style,
      latency.map((r) => value(r) ?? null),
    ),
  );
  drawChart(
    "chart-latency",
    latencyConfig(
      latency.map((r) => r.model),
      datasets,
    ),
  );
  const table = dataTable(
    "Answer latency and time to first token per model",
    ["Model", "Answers", "p50", "p95", "Streamed answers", "First token p50", "First token p95"],
    latency.map((r) => [
      r.model,
      { num: count(r.calls) },
      { num: duration(r.p50Ms) },
      { num: duration(r.p95Ms) },
      { num: count(r.firstTokenCalls) },
      { num: duration(r.firstTokenP50Ms) },
      { num: duration(r.firstTokenP95Ms) },
    ]),
  );
  fillSection("latency", latency.length === 0 ? "No model answered in this window." : "", ...(latency.length ? [table] : []));
}

/**
 * @param {string[]} models
 * @param {BarDataset[]} datasets
 * @returns {BarConfig}
 */
function latencyConfig(models, datasets) {
  return {
    type: "bar",
    data: { labels: models, datasets },
    options: {
      ...baseOptions(),
      scales: { y: { beginAtZero: true, ticks: { callback: (value) => duration(Number(value)) } } },
      plugins: {
        ...baseOptions().plugins,
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${duration(Number(item.raw))}` } },
      },
    },
  };
}

// ---- spend -----------------------------------------------------------------------

/** @param {Context} ctx */
function renderSpend(ctx) {
  const charts = ["chart-cost", "chart-tokens"];
  if (!ctx.view || ctx.view.summary.requests === 0) return emptySection("spend", charts);
  const view = ctx.view;
  const spend = ordered(
    view.spend.map((s) => s.model),
    ctx.palette.models,
  ).flatMap((model) => view.spend.filter((s) => s.model === model));
  const models = spend.map((s) => s.model);
  const sides = (/** @type {(totals: SpendTotals) => number} */ value) => [
    barDataset(
      "answered",
      answeredStyle,
      spend.map((s) => value(s.answered)),
    ),
    barDataset(
      "wasted (failed and cancelled calls)",
      wastedStyle,
      spend.map((s) => value(s.wasted)),
    ),
  ];
  drawChart(
    "chart-cost",
    stackedConfig(
      models,
      sides((t) => t.cost),
      "cost",
      money,
    ),
  );
  drawChart("chart-tokens", stackedConfig(models, sides(tokens), "tokens", count));
  const unpriced = spend.some(
    (s) => s.answered.cost + s.wasted.cost === 0 && s.answered.unpricedCalls + s.wasted.unpricedCalls > 0,
  );
  const note =
    spend.length === 0
      ? "No model was called in this window."
      : unpriced
        ? "Models without a price show no cost; their tokens are counted."
        : "";
  fillSection("spend", note, ...(spend.length ? [spendTable(spend)] : []));
}

/** @param {SpendTotals} t */
function tokens(t) {
  return t.inputTokens + t.cachedInputTokens + t.cacheWriteTokens + t.outputTokens;
}

/**
 * @param {string[]} models
 * @param {BarDataset[]} datasets
 * @param {string} unit
 * @param {(value: number) => string} format
 * @returns {BarConfig}
 */
function stackedConfig(models, datasets, unit, format) {
  return {
    type: "bar",
    data: { labels: models, datasets },
    options: {
      ...baseOptions(),
      scales: {
        x: { stacked: true },
        y: {
          stacked: true,
          beginAtZero: true,
          title: { display: true, text: unit },
          ticks: { callback: (value) => format(Number(value)) },
        },
      },
      plugins: {
        ...baseOptions().plugins,
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${format(Number(item.raw))}` } },
      },
    },
  };
}

/** @param {import("../../reader/request-log-reader.ts").ModelSpend[]} spend */
function spendTable(spend) {
  const row = (/** @type {string} */ model, /** @type {string} */ side, /** @type {SpendTotals} */ t) => [
    model,
    side,
    { num: count(t.calls) },
    { num: count(t.inputTokens) },
    { num: count(t.cachedInputTokens) },
    { num: count(t.cacheWriteTokens) },
    { num: count(t.outputTokens) },
    { num: money(t.cost) },
    { num: count(t.unpricedCalls) },
  ];
  return dataTable(
    "Tokens and cost per model, answers apart from waste",
    ["Model", "Side", "Calls", "Input tokens", "Cached input", "Cache writes", "Output tokens", "Cost", "Calls without a price"],
    spend.flatMap((s) => [row(s.model, "answered", s.answered), row(s.model, "wasted", s.wasted)]),
  );
}

// ---- request lists -----------------------------------------------------------------

/**
 * @param {string} id
 * @param {Context} ctx
 * @param {readonly ReportedRequest[] | undefined} requests
 * @param {string} none
 */
function renderList(id, ctx, requests, none) {
  if (!requests || requests.length === 0) return fillSection(id, ctx.view?.summary.requests ? none : noRequests);
  const table = dataTable(
    id === "slowest" ? "Slowest requests, slowest first" : "Requests that did not succeed, latest first",
    ["Started (UTC)", "Request", "Models", "Outcome", "Error", "Duration", "Fallbacks", "Tags"],
    requests.map((r) => [
      { nowrap: dateTime(r.startedAt) },
      { nowrap: r.requestId },
      r.models.join(" → "),
      r.outcome === "success"
        ? `success (${r.model ?? "?"})`
        : `${r.outcome}${r.exhaustedReason ? ` (${r.exhaustedReason})` : ""}`,
      errorText(r),
      { num: duration(r.durationMs) },
      { num: count(r.fallbacks) },
      tagsText(r.tags),
    ]),
  );
  fillSection(id, "", table);
}

/** @param {ReportedRequest} r */
function errorText(r) {
  if (r.errorKind && r.errorMessage) return `${r.errorKind}: ${r.errorMessage}`;
  return r.errorKind ?? r.errorMessage ?? "";
}

/** @param {Readonly<Record<string, string>>} tags */
function tagsText(tags) {
  return Object.entries(tags)
    .map(([key, value]) => `${key}=${value}`)
    .join(", ");
}

// ---- shadow calls ------------------------------------------------------------------

/** @param {Context} ctx */
function renderShadows(ctx) {
  const shadows = ctx.view?.shadows ?? [];
  if (shadows.length === 0) {
    const none = "No shadow calls in this window: shadow sampling is off unless the chain sets `shadow`.";
    return fillSection("shadows", ctx.view?.summary.requests ? none : noRequests);
  }
  const table = dataTable(
    "Shadow calls per backup",
    ["Backup", "Sampled", "Answered", "Failed", "Skipped", "Its answers failing a check", "Real answers failing a check", "Cost"],
    shadows.map((s) => [
      s.model,
      { num: count(s.sampled) },
      { num: count(s.answered) },
      { num: count(s.failed) },
      skippedText(s.skipped),
      { num: `${count(s.shadowChecksFailed)} (${percent(s.shadowChecksFailed, s.answered)})` },
      { num: `${count(s.realChecksFailed)} (${percent(s.realChecksFailed, s.answered)})` },
      { num: money(s.cost) },
    ]),
  );
  fillSection("shadows", "", table);
}

/** @param {Readonly<Record<string, number | undefined>>} skipped */
function skippedText(skipped) {
  const reasons = Object.entries(skipped).filter(([, n]) => (n ?? 0) > 0);
  return reasons.length === 0 ? "none" : reasons.map(([reason, n]) => `${reason} ${count(n ?? 0)}`).join(", ");
}

// ---- comparisons -----------------------------------------------------------------

/** @param {Context} ctx */
function renderComparisons(ctx) {
  const all = ctx.data.comparisons;
  const shown = all.filter((c) => c.answers.some((a) => inWindow(a.startedAt, ctx.window) && carries(a.tags, ctx.tag)));
  const note =
    all.length === 0
      ? captureOff
      : shown.length === 0
        ? "No captured prompt was answered in this window."
        : `${count(shown.length)} of ${count(all.length)} captured prompts answered by more than one model were answered in this window, latest first.`;
  fillSection("comparisons", note);
  if (all.length === 0) slot("comparisons", "note").replaceChildren(...captureOffNote());
  const list = slot("comparisons", "list");
  list.replaceChildren(...shown.map(comparisonCard));
  list.dataset.count = String(shown.length);
}

/** The capture-off sentence, its code as code. */
function captureOffNote() {
  const [before, after] = captureOff.split(captureCall);
  return [before ?? "", el("code", {}, captureCall), after ?? ""];
}

/**
 * @param {number} at
 * @param {ReportWindow | undefined} window
 */
function inWindow(at, window) {
  return !window || (at >= window.from && at < window.to);
}

/**
 * @param {Readonly<Record<string, string>>} tags
 * @param {ReportTag | undefined} tag
 */
function carries(tags, tag) {
  return !tag || tags[tag.key] === tag.value;
}

/** @param {AnswerComparison} comparison */
function comparisonCard(comparison) {
  return el(
    "article",
    { class: "comparison" },
    el("h3", {}, `Prompt, last answered ${dateTime(comparison.lastAt)} UTC`),
    promptView(comparison.prompt),
    el("div", { class: "answers" }, ...comparison.answers.map(answerColumn)),
  );
}

/**
 * The prompt as turns when it is the JSON the recorder captures
 * (`{ system?, messages }`), else as it is.
 * @param {string} prompt
 */
function promptView(prompt) {
  const turns = promptTurns(prompt);
  if (!turns) return el("pre", { class: "prompt" }, prompt);
  return el(
    "div",
    { class: "prompt" },
    ...turns.map(([role, text]) => el("p", { class: "turn" }, el("span", { class: "role" }, role), text)),
  );
}

/**
 * @param {string} prompt
 * @returns {[string, string][] | undefined}
 */
function promptTurns(prompt) {
  try {
    const parsed = JSON.parse(prompt);
    if (!parsed || !Array.isArray(parsed.messages)) return undefined;
    /** @type {[string, string][]} */
    const turns = typeof parsed.system === "string" ? [["system", parsed.system]] : [];
    for (const message of parsed.messages) turns.push([String(message?.role), contentText(message?.content)]);
    return turns;
  } catch {
    return undefined;
  }
}

/** @param {unknown} content */
function contentText(content) {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return JSON.stringify(content);
  return content
    .map((part) => (part?.type === "text" && typeof part.text === "string" ? part.text : JSON.stringify(part)))
    .join("\n");
}

/** @param {ComparedAnswer} answer */
function answerColumn(answer) {
  const place = answer.position === 0 ? "first choice" : `backup: fell back to it (model ${answer.position + 1} of the request)`;
  const tags = tagsText(answer.tags);
  return el(
    "section",
    { class: answer.position === 0 ? "answer primary" : "answer backup", "data-position": String(answer.position) },
    el("h4", {}, answer.model),
    el(
      "p",
      { class: "answer-meta" },
      `${place} · ${dateTime(answer.startedAt)} · ${answer.requestId}${tags ? ` · ${tags}` : ""}`,
    ),
    el("pre", {}, answer.answer),
  );
}

// ---- the eval of the fallback paths --------------------------------------------

/**
 * The eval's section: the run, each model's figures in chain order, pass
 * rate per check, and the regressions. The same whatever the filters: an
 * eval is not a part of the log.
 * @param {EvalSection} run
 * @param {Palette} palette
 */
function renderEval(run, palette) {
  byId("eval").hidden = false;
  const models = [...run.models].sort((a, b) => a.position - b.position);
  slot("eval", "meta").replaceChildren(
    ...metaItem("Suite", run.name),
    ...metaItem("Ran", `${dateTime(run.ranAt)} UTC`),
    ...metaItem("Prompts", `${count(run.prompts)}, each on ${count(models.length)} models on their own (no fallback)`),
  );
  const below = models.filter((m) => m.belowThreshold);
  const belowNode = slot("eval", "below");
  belowNode.textContent = below
    .map((m) => `${m.model}: pass rate ${percents.format(m.passRate)} BELOW its threshold ${thresholdText(m.threshold)}.`)
    .join(" ");
  belowNode.hidden = below.length === 0;
  const unpriced = models.filter((m) => !m.costComplete).map((m) => m.model);
  const note =
    models.length === 0
      ? "The eval ran no model."
      : unpriced.length > 0
        ? `Without a price, so not in the cost: ${unpriced.join(", ")}.`
        : "";
  const noteNode = slot("eval", "note");
  noteNode.textContent = note;
  noteNode.hidden = note === "";
  slot("eval", "models").replaceChildren(evalModelsTable(models));
  drawEvalChecks(models, palette);
  renderRegressions(run.regressions, models);
}

/** A threshold as the config gives it (0.9) and as a share (90%). @param {number | undefined} threshold */
function thresholdText(threshold) {
  return threshold === undefined ? "–" : `${threshold} (${percents.format(threshold)})`;
}

/** @param {EvalModelResult} m */
function place(m) {
  return m.position === 0 ? "primary" : `backup ${m.position}`;
}

/** @param {EvalModelResult[]} models */
function evalModelsTable(models) {
  const table = dataTable(
    "Each model on its own over the prompts, in chain order",
    [
      "Place",
      "Model",
      "Pass rate",
      "Passed",
      "Failed",
      "Errors",
      "Refusals",
      "Latency p50 / p95",
      "First token p50 / p95",
      "Tokens in / out",
      "Cost",
      "Threshold",
    ],
    models.map((m) => [
      { nowrap: place(m) },
      m.model,
      { num: percents.format(m.passRate) },
      { num: count(m.passed) },
      { num: count(m.failed) },
      { num: count(m.errors) },
      { num: count(m.refusals) },
      { num: `${duration(m.latencyP50Ms)} / ${duration(m.latencyP95Ms)}` },
      { num: `${duration(m.firstTokenP50Ms)} / ${duration(m.firstTokenP95Ms)}` },
      { num: `${count(m.inputTokens)} / ${count(m.outputTokens)}` },
      { num: m.costComplete ? money(m.cost) : m.cost > 0 ? `${money(m.cost)} + unpriced` : "unpriced" },
      thresholdCell(m),
    ]),
  );
  table.querySelectorAll("tbody tr").forEach((row, index) => {
    const m = models[index];
    if (!m) return;
    row.setAttribute("data-model", m.model);
    row.setAttribute("data-below", String(m.belowThreshold));
    if (m.belowThreshold) row.classList.add("below");
  });
  return table;
}

/** Told in words, not by colour: BELOW, or met. @param {EvalModelResult} m */
function thresholdCell(m) {
  if (m.threshold === undefined) return "none";
  if (m.belowThreshold) return el("strong", { class: "below-marker" }, `BELOW ${thresholdText(m.threshold)}`);
  return `met: ${thresholdText(m.threshold)}`;
}

/**
 * Grouped bars: a group per check, a bar per model (its pattern and colour),
 * the share of the answers it ran on that passed. A check that did not run on
 * a model (agreement on the primary) has no bar; one that passed none has a
 * sliver, so that 0% shows.
 * @param {EvalModelResult[]} models
 * @param {Palette} palette
 */
function drawEvalChecks(models, palette) {
  const checks = unique(models.flatMap((m) => m.checks.map((c) => c.check)));
  const find = (/** @type {EvalModelResult | undefined} */ m, /** @type {string} */ check) =>
    m?.checks.find((c) => c.check === check && c.total > 0);
  const datasets = models.map((m) =>
    barDataset(
      `${place(m)}: ${m.model}`,
      palette.model(m.model),
      checks.map((check) => {
        const result = find(m, check);
        return result ? (result.passed / result.total) * 100 : null;
      }),
      { minBarLength: 4 },
    ),
  );
  const ran = datasets.reduce((n, dataset) => n + dataset.data.filter((value) => value !== null).length, 0);
  drawChart("chart-eval", evalChecksConfig(checks, models, find), ran);
  const table = dataTable(
    "Answers that passed each check, per model",
    ["Model", "Check", "Passed", "Ran on", "Pass rate"],
    models.flatMap((m) =>
      m.checks.map((c) => [
        m.model,
        c.check,
        { num: count(c.passed) },
        { num: count(c.total) },
        { num: percent(c.passed, c.total) },
      ]),
    ),
  );
  const tableSlot = slot("eval", "table");
  tableSlot.replaceChildren(table);
  const details = tableSlot.closest("details");
  if (details instanceof HTMLElement) details.hidden = checks.length === 0;

  /**
   * @param {string[]} labels
   * @param {EvalModelResult[]} byDataset
   * @param {(m: EvalModelResult | undefined, check: string) => EvalCheckResult | undefined} lookup
   * @returns {BarConfig}
   */
  function evalChecksConfig(labels, byDataset, lookup) {
    const label = (/** @type {BarTooltipItem} */ item) => {
      const m = byDataset[item.datasetIndex];
      const result = lookup(m, labels[item.dataIndex] ?? "");
      return m && result
        ? `${m.model}: ${percent(result.passed, result.total)} (${count(result.passed)} of ${count(result.total)} answers)`
        : "";
    };
    return {
      type: "bar",
      data: { labels, datasets },
      options: {
        ...baseOptions(),
        scales: {
          y: {
            beginAtZero: true,
            min: 0,
            max: 100,
            ticks: { callback: (value) => `${value}%` },
            title: { display: true, text: "answers that passed" },
          },
        },
        plugins: { ...baseOptions().plugins, tooltip: { callbacks: { label } } },
      },
    };
  }
}

/** The first regressions shown open; the rest folded, so that a long list does not bury the page. */
const regressionsShown = 10;

/**
 * @param {readonly EvalRegression[]} regressions
 * @param {EvalModelResult[]} models
 */
function renderRegressions(regressions, models) {
  const list = slot("eval", "list");
  list.dataset.count = String(regressions.length);
  const primary = models.find((m) => m.position === 0)?.model ?? "the primary";
  if (regressions.length === 0) {
    list.replaceChildren(el("p", { class: "note" }, `No regressions: every prompt ${primary} passed, each backup passed too.`));
    return;
  }
  const cards = regressions.map((r) => regressionCard(r, primary));
  const rest = cards.slice(regressionsShown);
  list.replaceChildren(
    el(
      "p",
      { class: "lead" },
      `${count(regressions.length)} prompt × backup pairs failed where ${primary} passed: the answers a fallback would give that need fixing before an outage.`,
    ),
    ...cards.slice(0, regressionsShown),
    ...(rest.length > 0 ? [el("details", {}, el("summary", {}, `${count(rest.length)} more regressions`), ...rest)] : []),
  );
}

/**
 * @param {EvalRegression} r
 * @param {string} primary
 */
function regressionCard(r, primary) {
  return el(
    "article",
    { class: "comparison regression", "data-prompt": r.promptId, "data-model": r.model },
    el("h4", {}, `${r.promptId} on ${r.model}`),
    el("ul", { class: "failed-checks" }, ...r.failedChecks.map((f) => el("li", {}, el("strong", {}, f.check), `: ${f.reason}`))),
    el(
      "div",
      { class: "answers" },
      evalText("eval-text prompt-text", "The prompt", r.prompt, "(no text)"),
      evalText("eval-text primary", `${primary}, the primary, answered`, r.primaryAnswer, "(no text)"),
      evalText("eval-text backup", `${r.model} answered`, r.answer, "No answer: its calls failed."),
    ),
  );
}

/**
 * A column of a regression: its text in a box of bounded height that scrolls.
 * @param {string} className
 * @param {string} title
 * @param {string} text
 * @param {string} none - what shows when the text is empty
 */
function evalText(className, title, text, none) {
  const body = text === "" ? el("p", { class: "note" }, none) : el("pre", { class: "bounded", tabindex: "0" }, text);
  return el("section", { class: className }, el("h5", {}, title), body);
}

// ---- sections, charts and tables ---------------------------------------------------------

/**
 * A section with nothing to show: its charts gone, a sentence instead.
 * @param {string} id
 * @param {string[]} charts
 */
function emptySection(id, charts) {
  for (const chart of charts) drawChart(chart, undefined);
  fillSection(id, noRequests);
}

/**
 * @param {string} id
 * @param {string} note - "" for none
 * @param {...Node} tables
 */
function fillSection(id, note, ...tables) {
  const noteNode = slot(id, "note");
  noteNode.textContent = note;
  noteNode.hidden = note === "";
  const tableSlot = byId(id).querySelector("[data-slot=table]");
  tableSlot?.replaceChildren(...tables);
  const details = byId(id).querySelector("details");
  if (details) details.hidden = tables.length === 0;
}

/** @type {Map<string, import("chart.js").Chart<"bar", unknown[], unknown>>} */
const charts = new Map();

/**
 * Replaces a chart: Chart.js cannot switch a chart's whole configuration in
 * place, and a redraw of a few hundred bars costs nothing. The canvas says
 * how many points it drew (`data-points`) and when it has (`data-rendered`).
 * @param {string} id
 * @param {BarConfig | undefined} config - undefined, or no data: no chart
 * @param {number} [points] - the points drawn, when a zero is one (else those neither null nor zero)
 */
function drawChart(id, config, points = config ? pointsOf(config.data.datasets) : 0) {
  charts.get(id)?.destroy();
  charts.delete(id);
  const canvas = canvasById(id);
  canvas.dataset.points = String(points);
  canvas.dataset.rendered = "false";
  if (canvas.parentElement) canvas.parentElement.hidden = points === 0;
  if (!config || points === 0) return;
  charts.set(id, new ChartJs(canvas, { ...config, plugins: [markRendered] }));
}

/** @type {import("chart.js").Plugin<"bar">} */
const markRendered = {
  id: "markRendered",
  afterRender(chart) {
    chart.canvas.dataset.rendered = "true";
  },
};

/** Points with something to draw: not null, not zero. @param {BarDataset[]} datasets */
function pointsOf(datasets) {
  return datasets.reduce((n, dataset) => n + dataset.data.filter((value) => value !== null && value !== 0).length, 0);
}

/**
 * @param {string} label
 * @param {SeriesStyle} style
 * @param {unknown[]} data
 * @param {Partial<BarDataset>} [extra]
 * @returns {BarDataset}
 */
function barDataset(label, style, data, extra = {}) {
  return { label, data, backgroundColor: pattern(style), borderColor: style.color, borderWidth: 1, ...extra };
}

function baseOptions() {
  return {
    animation: /** @type {const} */ (false),
    responsive: true,
    maintainAspectRatio: false,
    plugins: { legend: { position: /** @type {const} */ ("bottom"), labels: { boxWidth: 22, boxHeight: 14 } } },
  };
}

/**
 * @param {string} caption
 * @param {string[]} headers
 * @param {Cell[][]} rows
 */
function dataTable(caption, headers, rows) {
  const head = el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)));
  const body = rows.map((row) => el("tr", {}, ...row.map(cell)));
  return el("table", {}, el("caption", {}, caption), el("thead", {}, head), el("tbody", {}, ...body));
}

/** @param {Cell} value */
function cell(value) {
  if (typeof value === "string" || value instanceof Node) return el("td", {}, value);
  if ("num" in value) return el("td", { class: "num" }, value.num);
  return el("td", { class: "nowrap" }, value.nowrap);
}

/**
 * An element with attributes and children; strings become text nodes, never markup.
 * @param {string} tag
 * @param {Record<string, string>} attributes
 * @param {...(string | Node)} children
 */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** @param {string} id */
function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}

/** @param {string} id */
function selectById(id) {
  const node = byId(id);
  if (!(node instanceof HTMLSelectElement)) throw new Error(`#${id} is not a select`);
  return node;
}

/** @param {string} id */
function canvasById(id) {
  const node = byId(id);
  if (!(node instanceof HTMLCanvasElement)) throw new Error(`#${id} is not a canvas`);
  return node;
}

/**
 * @param {string} sectionId
 * @param {string} name
 * @returns {HTMLElement}
 */
function slot(sectionId, name) {
  const node = byId(sectionId).querySelector(`[data-slot=${name}]`);
  if (!(node instanceof HTMLElement)) throw new Error(`#${sectionId} has no ${name}`);
  return node;
}

// ---- series styles and patterns -------------------------------------------------------

/** Every model and failure kind of every view gets one style, so that a filter change never recolours a series. @param {ReportData} data */
function makePalette(data) {
  const views = Object.values(data.views);
  const chainOrder = views.flatMap((v) => [...v.slowest, ...v.failed].flatMap((r) => r.models));
  const mentioned = views.flatMap((v) => [
    ...v.latency.map((r) => r.model),
    ...v.spend.map((r) => r.model),
    ...v.fallbackRates.map((r) => r.model),
    ...v.unavailablePeriods.map((r) => r.model),
    ...v.skipsOverTime.map((r) => r.model),
    ...v.requestsOverTime.flatMap((r) => (r.model === null ? [] : [r.model])),
  ]);
  // An eval's models in its chain's order, after the log's (a page of an eval alone has only these).
  const evalModels = [...(data.eval?.models ?? [])].sort((a, b) => a.position - b.position).map((m) => m.model);
  const models = unique([...chainOrder.filter((m) => mentioned.includes(m)), ...mentioned.sort(), ...evalModels]);
  const reasons = unique(views.flatMap((v) => v.fallbackRates.map((r) => r.reason)).sort());
  return { models, model: styleList(models), reason: styleList(reasons) };
}

/**
 * Styles by position in a list: the colours cycle, and past the palette the
 * patterns shift, so that no two series of the list look alike.
 * @param {string[]} keys
 * @returns {(key: string) => SeriesStyle}
 */
function styleList(keys) {
  return (key) => {
    const index = Math.max(0, keys.indexOf(key));
    const shape = shapes[(index + Math.floor(index / colors.length)) % shapes.length] ?? "solid";
    return { color: colors[index % colors.length] ?? "#000000", shape };
  };
}

/** @type {Map<string, CanvasPattern | string>} */
const patterns = new Map();

/**
 * The fill of a series: its colour with its shape drawn over it in a
 * contrasting ink, tiled from a small offscreen canvas.
 * @param {SeriesStyle} style
 * @returns {CanvasPattern | string}
 */
function pattern(style) {
  const key = `${style.color}/${style.shape}`;
  let fill = patterns.get(key);
  if (fill === undefined) {
    fill = makePattern(style);
    patterns.set(key, fill);
  }
  return fill;
}

/** @param {SeriesStyle} style */
function makePattern(style) {
  if (style.shape === "solid") return style.color;
  const size = 10;
  const tile = document.createElement("canvas");
  tile.width = size;
  tile.height = size;
  const ink = tile.getContext("2d");
  if (!ink) return style.color;
  ink.fillStyle = style.color;
  ink.fillRect(0, 0, size, size);
  ink.strokeStyle = inkFor(style.color);
  ink.fillStyle = inkFor(style.color);
  ink.lineWidth = 1.6;
  drawShape(ink, style.shape, size);
  return ink.createPattern(tile, "repeat") ?? style.color;
}

/**
 * @param {CanvasRenderingContext2D} ink
 * @param {Shape} shape
 * @param {number} size
 */
function drawShape(ink, shape, size) {
  /** @type {[number, number, number, number][]} */
  const slash = [
    [0, size, size, 0],
    [-1, 1, 1, -1],
    [size - 1, size + 1, size + 1, size - 1],
  ];
  /** @type {[number, number, number, number][]} */
  const backslash = [
    [0, 0, size, size],
    [size - 1, -1, size + 1, 1],
    [-1, size - 1, 1, size + 1],
  ];
  /** @type {Record<Shape, [number, number, number, number][]>} */
  const lines = {
    solid: [],
    dots: [],
    diagonal: slash,
    backslash,
    cross: [...slash, ...backslash],
    vertical: [[size / 2, 0, size / 2, size]],
    horizontal: [[0, size / 2, size, size / 2]],
    grid: [
      [size / 2, 0, size / 2, size],
      [0, size / 2, size, size / 2],
    ],
  };
  ink.beginPath();
  for (const [x1, y1, x2, y2] of lines[shape]) {
    ink.moveTo(x1, y1);
    ink.lineTo(x2, y2);
  }
  ink.stroke();
  if (shape === "dots") {
    ink.beginPath();
    ink.arc(size / 2, size / 2, 2, 0, 2 * Math.PI);
    ink.fill();
  }
}

/** White marks on dark colours, black on light ones. @param {string} color - `#rrggbb` */
function inkFor(color) {
  const [r, g, b] = [1, 3, 5].map((at) => Number.parseInt(color.slice(at, at + 2), 16));
  const luminance = (0.299 * (r ?? 0) + 0.587 * (g ?? 0) + 0.114 * (b ?? 0)) / 255;
  return luminance < 0.5 ? "rgba(255, 255, 255, 0.8)" : "rgba(0, 0, 0, 0.55)";
}

// ---- formats ------------------------------------------------------------------------

const integers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const percents = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });
const smallMoney = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 3 });
const bigMoney = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** @param {number} n */
function count(n) {
  return integers.format(n);
}

/**
 * @param {number} part
 * @param {number} whole
 */
function percent(part, whole) {
  return whole > 0 ? percents.format(part / whole) : "–";
}

/** Costs in the unit of the price tables, which the report does not know: no currency sign. @param {number} n */
function money(n) {
  return Math.abs(n) >= 1 ? bigMoney.format(n) : smallMoney.format(n);
}

/** @param {number | undefined} ms */
function duration(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
  return `${Math.floor(ms / 86_400_000)} d ${Math.round((ms % 86_400_000) / 3_600_000)} h`;
}

/** UTC, to the second: a report is read across time zones, and buckets are UTC. @param {number} ms */
function dateTime(ms) {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * An axis label: only as much of the time as the axis' range needs.
 * @param {number} ms
 * @param {number} range
 */
function shortTime(ms, range) {
  const iso = new Date(ms).toISOString();
  if (range <= 15 * 60_000) return iso.slice(11, 19);
  if (range <= 36 * 3_600_000) return iso.slice(11, 16);
  if (range <= 7 * 86_400_000) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  return iso.slice(0, 10);
}

/** A round tick step for a time axis: about six ticks. @param {number} range */
function timeStep(range) {
  const steps = [1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800, 2_592_000];
  return (steps.find((s) => range / (s * 1000) <= 8) ?? 2_592_000) * 1000;
}

// ---- lists ----------------------------------------------------------------------------

/**
 * @template T
 * @param {T[]} values
 */
function unique(values) {
  return [...new Set(values)];
}

/**
 * The values in the order of a reference list, the ones it lacks after them.
 * @param {string[]} values
 * @param {string[]} order
 */
function ordered(values, order) {
  const rank = (/** @type {string} */ value) => (order.includes(value) ? order.indexOf(value) : order.length);
  return [...values].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

// Last, so that every module-level constant above is initialised when it runs.
const reportData = readReportData();
if (reportData) start(reportData);

export {};
