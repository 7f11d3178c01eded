import { describe, expect, it } from "vitest";
import { barChartSvg } from "./chart.ts";

describe("barChartSvg", () => {
  it("draws one labelled bar per figure, longer for larger figures on a log scale", () => {
    const svg = barChartSvg("Added time", [
      { label: "understudy · in-process", value: 5 },
      { label: "Portkey <gateway> · HTTP", value: 1_800 },
      { label: "AI SDK · HTTP", value: -3 },
    ]);
    expect(svg.startsWith("<svg")).toBe(true);
    const widths = [...svg.matchAll(/<rect x="\d+" y="\d+" width="([\d.]+)"/g)].map((match) => Number(match[1]));
    expect(widths).toHaveLength(3);
    expect(widths[1]).toBeGreaterThan(widths[0] as number);
    expect(widths[2]).toBe(0);
    expect(svg).toContain("within noise");
    expect(svg).toContain("Portkey &lt;gateway&gt; · HTTP");
    expect(svg).toContain(">1000 µs<");
  });
});
