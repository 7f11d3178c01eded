/** One bar of the chart. */
export interface Bar {
  readonly label: string;
  readonly value: number;
}

const width = 860;
const labelWidth = 330;
const barHeight = 22;
const gap = 6;
const top = 46;

function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** A horizontal bar chart on a log scale, as a standalone SVG. Bars at or below zero are drawn as "within noise". */
export function barChartSvg(title: string, bars: readonly Bar[]): string {
  const positive = bars.map((bar) => bar.value).filter((value) => value > 0);
  const low = 10 ** Math.floor(Math.log10(Math.min(...positive, 1)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...positive, 10)));
  const plotWidth = width - labelWidth - 90;
  const x = (value: number) => (plotWidth * Math.log10(value / low)) / Math.log10(high / low);
  const height = top + bars.length * (barHeight + gap) + 30;
  const ticks: string[] = [];
  for (let tick = low; tick <= high; tick *= 10) {
    const at = labelWidth + x(tick);
    ticks.push(
      `<line x1="${at}" y1="${top - 6}" x2="${at}" y2="${height - 26}" stroke="#ddd"/>`,
      `<text x="${at}" y="${height - 10}" text-anchor="middle" font-size="11" fill="#555">${tick >= 1 ? tick : tick.toPrecision(1)} µs</text>`,
    );
  }
  const rows = bars.map((bar, index) => {
    const y = top + index * (barHeight + gap);
    const understudy = bar.label.startsWith("understudy");
    const length = bar.value > 0 ? Math.max(1, x(Math.max(bar.value, low))) : 0;
    const figure = bar.value > 0 ? `${bar.value >= 10 ? bar.value.toFixed(0) : bar.value.toFixed(1)} µs` : "within noise";
    return [
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end" font-size="12">${escapeXml(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="${barHeight}" fill="${understudy ? "#2b8a3e" : "#868e96"}"/>`,
      `<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 15}" font-size="12">${figure}</text>`,
    ].join("");
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="16" y="24" font-size="15" font-weight="600">${escapeXml(title)}</text>`,
    ...ticks,
    ...rows,
    "</svg>",
    "",
  ].join("\n");
}
