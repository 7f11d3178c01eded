import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  emptyReportFixture,
  evalOnlyReportFixture,
  hostileMarkup,
  hostileScript,
  reportFixture,
} from "../test-support/report-fixture.ts";
import { jsonForScript, renderReportHtml } from "./render-html.ts";
import type { ReportData } from "./report-data.ts";

/** The bodies of the page's script elements, with their opening tags. */
function scripts(html: string): { tag: string; body: string }[] {
  return [...html.matchAll(/(<script[^>]*>)([\s\S]*?)<\/script>/g)].map((match) => ({
    tag: match[1] ?? "",
    body: match[2] ?? "",
  }));
}

function embeddedData(html: string): unknown {
  const data = scripts(html).find((script) => script.tag.includes('id="report-data"'));
  if (!data) throw new Error("no report-data script");
  return JSON.parse(data.body);
}

describe("renderReportHtml", () => {
  const data = reportFixture();
  const html = renderReportHtml(data);

  it("embeds the data, which reads back as it went in", () => {
    expect(embeddedData(html)).toEqual(data);
    expect(embeddedData(renderReportHtml(emptyReportFixture()))).toEqual(emptyReportFixture());
    expect(embeddedData(renderReportHtml(evalOnlyReportFixture()))).toEqual(evalOnlyReportFixture());
  });

  it("keeps an eval's hostile text (model names, prompts, answers, check reasons) inside its script element", () => {
    const page = renderReportHtml(evalOnlyReportFixture());
    expect(page.match(/<script/gi)).toHaveLength(3);
    expect(page.match(/<\/script/gi)).toHaveLength(3);
    expect(page).not.toContain(hostileMarkup);
    expect(page).not.toContain(hostileScript);
    expect(embeddedData(page)).toEqual(evalOnlyReportFixture());
  });

  it("keeps hostile text inside its script element", () => {
    const hostile: ReportData = { ...emptyReportFixture(), source: `${hostileScript}<!-- ${hostileMarkup} & \u2028\u2029` };
    const page = renderReportHtml(hostile);
    // Three script elements, each closed by its own tag: the data closes none early.
    expect(page.match(/<script/gi)).toHaveLength(3);
    expect(page.match(/<\/script/gi)).toHaveLength(3);
    expect(page).not.toContain("<!--");
    expect(page).not.toMatch(/[\u2028\u2029]/);
    expect(page).not.toContain(hostileMarkup);
    expect(embeddedData(page)).toEqual(hostile);
  });

  it("escapes exactly the characters that matter in a script element", () => {
    expect(jsonForScript({ text: "</script>&\u2028\u2029é" })).toBe('{"text":"\\u003c/script\\u003e\\u0026\\u2028\\u2029é"}');
  });

  it("loads nothing from the network, and its policy forbids it", () => {
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|<link\b|<iframe\b|<img\b/i);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src '[^"]*">/);
  });

  it("allows by hash exactly the page's own scripts and styles", () => {
    const policy = /content="(default-src[^"]*)"/.exec(html)?.[1] ?? "";
    const hash = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
    const runnable = scripts(html).filter((script) => !script.tag.includes("application/json"));
    expect(runnable).toHaveLength(2);
    for (const script of runnable) expect(policy).toContain(hash(script.body));
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    expect(policy).toContain(`style-src ${hash(style)}`);
  });

  it("inlines Chart.js 4 without its source map comment", () => {
    expect(html).toMatch(/Chart\.js v4\./);
    expect(html).not.toContain("sourceMappingURL");
  });

  it("gives every section and chart a stable id", () => {
    for (const id of [
      "summary",
      "requests",
      "fallbacks",
      "availability",
      "latency",
      "spend",
      "slowest",
      "failed",
      "comparisons",
      "eval",
      "chart-eval",
      "no-log",
    ]) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toContain('<select id="window">');
    expect(html).toContain('<select id="tag">');
  });

  it("puts the eval's section first in the page, hidden until the script finds an eval", () => {
    expect(html).toMatch(/<main>\n<section id="eval" aria-labelledby="eval-title" hidden>/);
    expect(html.indexOf('id="eval"')).toBeLessThan(html.indexOf('id="requests"'));
    expect(html).toContain("Evals of the fallback path");
  });

  it("stays small: Chart.js, the script and the aggregates, no padding", () => {
    expect(html).not.toMatch(/\s{200,}/);
    // Chart.js is about 210 kB of it, the page's script and styles about 50 kB.
    expect(html.length - jsonForScript(data).length).toBeLessThan(280_000);
  });
});
