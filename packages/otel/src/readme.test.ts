import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));

/** The README's TypeScript blocks, each with the line it starts at. */
function readmeBlocks(): { line: number; code: string }[] {
  const lines = readFileSync(`${packageDir}README.md`, "utf8").split("\n");
  const blocks: { line: number; code: string }[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[index] ?? "")) continue;
    const end = lines.findIndex((line, at) => at > index && line.trim() === "```");
    blocks.push({ line: index + 2, code: lines.slice(index + 1, end).join("\n") });
    index = end;
  }
  return blocks;
}

/** Type-checks each block as its own module beside the sources, so it resolves what the package resolves. */
function compile(blocks: readonly { line: number; code: string }[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    `${packageDir}tsconfig.json`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
      },
    },
  );
  if (!config) throw new Error("tsconfig.json could not be read");
  const virtual = new Map(blocks.map((block) => [`${packageDir}src/readme-block-${block.line}.ts`, block]));
  const host = ts.createCompilerHost(config.options);
  const { getSourceFile, fileExists, readFile } = host;
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
    const block = diagnostic.file && virtual.get(diagnostic.file.fileName);
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    if (!block || diagnostic.start === undefined || !diagnostic.file) return message;
    return `README.md:${block.line + diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line}: ${message}`;
  });
}

describe("the README", () => {
  it("has TypeScript blocks, and every one compiles against the package", () => {
    const blocks = readmeBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expect(compile(blocks)).toEqual([]);
  }, 60_000);

  it("would report a block that no longer compiles", () => {
    const errors = compile([{ line: 1, code: 'import { instrument } from "@understudy/otel";\ninstrument(42);' }]);
    expect(errors.join("\n")).toMatch(/README\.md:2/);
  }, 60_000);
});

describe("the README and the guide", () => {
  it("never pass the global providers explicitly: an explicit meter provider is not looked up again, and would pin the no-op one", () => {
    for (const path of [`${packageDir}README.md`, `${packageDir}../../docs/tracing-and-metrics.md`]) {
      const text = readFileSync(path, "utf8");
      expect(text).not.toMatch(/meterProvider:\s*metrics\.getMeterProvider\(\)/);
      expect(text).not.toMatch(/tracerProvider:\s*trace\.getTracerProvider\(\)/);
    }
  });
});
