// The code blocks of the README and the guides, read so a test can check them
// against the code: a block marked `<!-- include: path#region -->` must be that
// file's text, and every other TypeScript block must compile on its own.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root. */
export const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/** One fenced code block of a markdown page. */
export interface DocBlock {
  /** The page, relative to the repository's root. */
  readonly page: string;
  /** The 1-based line of the block's first code line. */
  readonly line: number;
  /** The fence's language tag (`ts`, `sh`, …; empty when none). */
  readonly lang: string;
  /** The block's code, without the fences. */
  readonly code: string;
  /** Where the block is copied from, when it carries an include marker. */
  readonly include?: IncludeTarget;
}

/** A source file, or one `// #region name` of it, that a block shows. */
export interface IncludeTarget {
  /** Path relative to the repository's root. */
  readonly path: string;
  /** The region's name; the whole file when absent. */
  readonly region?: string;
}

const includeMarker = /^<!--\s*include:\s*([^#\s]+)(?:#(\S+))?\s*-->$/;
const fence = /^(\s*)```(\S*)\s*$/;

/** The pages whose code blocks are checked: the README, every guide and every package's README. */
export function docPages(): string[] {
  const guides = readdirSync(join(repoRoot, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`);
  const packages = readdirSync(join(repoRoot, "packages")).map((name) => `packages/${name}/README.md`);
  return ["README.md", ...guides.sort(), ...packages.sort()];
}

/** The fenced code blocks of a page, in order. */
export function docBlocks(page: string, text = readFileSync(join(repoRoot, page), "utf8")): DocBlock[] {
  const lines = text.split("\n");
  const blocks: DocBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const opening = fence.exec(lines[index] ?? "");
    if (!opening) continue;
    const end = lines.findIndex((line, at) => at > index && line.trim() === "```");
    if (end < 0) throw new Error(`${page}:${index + 1}: a code block is never closed`);
    const marker = includeMarker.exec((lines[index - 1] ?? "").trim());
    blocks.push({
      page,
      line: index + 2,
      lang: opening[2] ?? "",
      code: lines.slice(index + 1, end).join("\n"),
      ...(marker?.[1] && { include: { path: marker[1], ...(marker[2] && { region: marker[2] }) } }),
    });
    index = end;
  }
  return blocks;
}

/** The text a block with an include marker must show: the file or region, without region markers. */
export function includedText(target: IncludeTarget): string {
  const lines = readFileSync(join(repoRoot, target.path), "utf8").trimEnd().split("\n");
  const isMarker = (line: string) => /^\s*\/\/ #(end)?region\b/.test(line);
  if (!target.region) return lines.filter((line) => !isMarker(line)).join("\n");
  const start = lines.findIndex((line) => line.trim() === `// #region ${target.region}`);
  const end = lines.findIndex((line, at) => at > start && /^\/\/ #endregion\b/.test(line.trim()));
  if (start < 0 || end < 0) throw new Error(`${target.path} has no "// #region ${target.region}" … "// #endregion"`);
  return dedent(lines.slice(start + 1, end).filter((line) => !isMarker(line)));
}

function dedent(lines: readonly string[]): string {
  const indents = lines.filter((line) => line.trim() !== "").map((line) => /^ */.exec(line)?.[0].length ?? 0);
  const common = Math.min(...indents);
  return lines.map((line) => line.slice(common)).join("\n");
}

/** Rewrites every included block of `page` from its source; returns whether the page changed. */
export function syncPage(page: string): boolean {
  const path = join(repoRoot, page);
  const before = readFileSync(path, "utf8");
  const lines = before.split("\n");
  // From the last block up, so earlier line numbers stay valid while splicing.
  for (const block of docBlocks(page, before).reverse()) {
    if (!block.include) continue;
    const codeLines = block.code === "" ? 0 : block.code.split("\n").length;
    lines.splice(block.line - 1, codeLines, ...includedText(block.include).split("\n"));
  }
  const after = lines.join("\n");
  if (after !== before) writeFileSync(path, after);
  return after !== before;
}
