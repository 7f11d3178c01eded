import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { type DocBlock, docBlocks, docPages, includedText, repoRoot } from "./doc-blocks.ts";

const typeScriptTags = new Set(["ts", "typescript"]);
const blocks = docPages().flatMap((page) => docBlocks(page));
const standalone = blocks.filter((block) => !block.include && typeScriptTags.has(block.lang));

/**
 * Type-checks each block as its own module, placed in `examples/` so that it
 * resolves the workspace packages as an example would. Returns one line per
 * error, located at the page's line.
 */
function compileBlocks(blocksToCheck: readonly DocBlock[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(repoRoot, "examples/tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
      },
    },
  );
  if (!config) throw new Error("examples/tsconfig.json could not be read");
  const virtual = new Map(
    blocksToCheck.map((block) => [
      join(repoRoot, "examples", `doc-block-${block.page.replaceAll(/[/.]/g, "-")}-${block.line}.ts`),
      block,
    ]),
  );
  const host = ts.createCompilerHost(config.options);
  const { getSourceFile, fileExists, readFile } = host;
  // `export {}` makes each block a module even when it imports nothing.
  const textOf = (path: string) => {
    const block = virtual.get(path);
    return block && `${block.code}\nexport {};\n`;
  };
  host.fileExists = (path) => virtual.has(path) || fileExists(path);
  host.readFile = (path) => textOf(path) ?? readFile(path);
  host.getSourceFile = (path, language, ...rest) => {
    const text = textOf(path);
    return text === undefined ? getSourceFile(path, language, ...rest) : ts.createSourceFile(path, text, language);
  };
  const program = ts.createProgram({ rootNames: [...virtual.keys()], options: config.options, host });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    const { file, start } = diagnostic;
    const block = file && virtual.get(file.fileName);
    if (!block || start === undefined) return message;
    const { line } = file.getLineAndCharacterOfPosition(start);
    return `${block.page}:${block.line + line}: ${message}`;
  });
}

describe("code blocks of the README and the guides", () => {
  it("finds the blocks it is meant to check", () => {
    expect(docPages()).toContain("README.md");
    expect(blocks.some((block) => block.include)).toBe(true);
    expect(standalone.length).toBeGreaterThan(0);
  });

  it.each(blocks.filter((block) => block.include).map((block) => [`${block.page}:${block.line}`, block] as const))(
    "%s shows its source file as it is (run `pnpm docs:sync` after editing an example)",
    (_, block) => {
      expect(block.code).toBe(includedText(block.include ?? { path: "" }));
    },
  );

  it("every other TypeScript block compiles against the packages' current API", () => {
    expect(compileBlocks(standalone)).toEqual([]);
  }, 60_000);

  it("the checker reports a block that no longer compiles, at its line", () => {
    const broken: DocBlock = {
      page: "docs/broken.md",
      line: 10,
      lang: "ts",
      code: 'import { createFallback } from "@understudy/core";\n\ncreateFallback({ modles: [] });',
    };
    const errors = compileBlocks([broken]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^docs\/broken\.md:12: .*modles/);
  }, 60_000);

  it("every TypeScript-looking block is tagged, so none escapes the check", () => {
    const untagged = blocks.filter((block) => block.lang === "" && /\b(import|const|await)\b/.test(block.code));
    expect(untagged.map((block) => `${block.page}:${block.line}`)).toEqual([]);
  });
});
