/** A markdown table. */
export interface Table {
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** One scenario's part of the report. */
export interface Section {
  readonly title: string;
  /** What was measured and how, in a few sentences. */
  readonly method: string;
  readonly tables: readonly Table[];
  /** Remarks under the tables. */
  readonly notes?: readonly string[];
}

/** A goal of the issue, with the figure that decides it. */
export interface Goal {
  readonly goal: string;
  readonly figure: string;
  /** `undefined` when the run cannot decide it (too few samples). */
  readonly met: boolean | undefined;
}

/** A scenario's result: its section of the report and the goals it decides. */
export interface ScenarioResult {
  readonly section: Section;
  readonly goals: readonly Goal[];
  /** Figures for the chart, if the scenario has any: label → added µs. */
  readonly chart?: { readonly title: string; readonly bars: readonly { readonly label: string; readonly value: number }[] };
}

function row(cells: readonly string[]): string {
  return `| ${cells.map((cell) => cell.replaceAll("|", "\\|")).join(" | ")} |`;
}

/** A table as markdown. */
export function markdownTable(table: Table): string {
  return [row(table.head), row(table.head.map(() => "---")), ...table.rows.map(row)].join("\n");
}

/** A section as markdown. */
export function markdownSection(section: Section): string {
  const notes = section.notes?.length ? `\n\n${section.notes.map((note) => `- ${note}`).join("\n")}` : "";
  return `## ${section.title}\n\n${section.method}\n\n${section.tables.map(markdownTable).join("\n\n")}${notes}`;
}

/** The goals as a markdown table. */
export function goalsTable(goals: readonly Goal[]): Table {
  const verdict = (met: boolean | undefined) => (met === undefined ? "not decided" : met ? "**met**" : "**not met**");
  return { head: ["goal", "figure", "verdict"], rows: goals.map((goal) => [goal.goal, goal.figure, verdict(goal.met)]) };
}

/** µs with sensible precision. */
export function micros(value: number): string {
  if (!Number.isFinite(value)) return "–";
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** A spread as `value (low–high)`. */
export function spreadText(spread: { value: number; low: number; high: number }, format = micros): string {
  return `${format(spread.value)} (${format(spread.low)}–${format(spread.high)})`;
}

/** A ratio such as `1.04×`. */
export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value >= 100 ? value.toFixed(0) : value.toFixed(2)}×` : "–";
}
