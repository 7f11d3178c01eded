import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { docBlocks, repoRoot } from "./doc-blocks.ts";

interface TypedocConfig {
  readonly readme: string;
  readonly headings?: { readonly readme?: boolean; readonly document?: boolean };
  readonly projectDocuments: readonly string[];
}

const typedoc = JSON.parse(readFileSync(join(repoRoot, "typedoc.json"), "utf8")) as TypedocConfig;
const guides = readdirSync(join(repoRoot, "docs"))
  .filter((name) => name.endsWith(".md"))
  .map((name) => `docs/${name}`);

/** The `title:` of a page's front matter, if it opens with one. */
function frontMatterTitle(page: string): string | undefined {
  const text = readFileSync(join(repoRoot, page), "utf8");
  const frontMatter = /^---\n([\s\S]*?)\n---\n/.exec(text)?.[1];
  return frontMatter && /^title: (.+)$/m.exec(frontMatter)?.[1];
}

describe("the API site's guides (pnpm run docs)", () => {
  it("every guide, the guides' index included, is a page of the site, so links to it are rewritten", () => {
    expect([...typedoc.projectDocuments].sort()).toEqual([...guides].sort());
    expect(typedoc.projectDocuments[0]).toBe("docs/README.md");
  });

  it("every guide is listed by its title, not its file name", () => {
    for (const page of guides) expect(frontMatterTitle(page), page).toMatch(/^[A-Z]/);
    expect(frontMatterTitle("docs/README.md")).toBe("Guides");
    expect(frontMatterTitle("docs/getting-started.md")).toBe("Getting started");
  });

  it("a page's title is its own heading, shown once", () => {
    expect(typedoc.headings).toEqual({ readme: false, document: false });
    expect(readFileSync(join(repoRoot, typedoc.readme), "utf8")).toMatch(/^# understudy\n/);
  });

  it("the code block checker reads a page with front matter at the right lines", () => {
    const page = "---\ntitle: A guide\n---\n\n# A guide\n\n```ts\nconst answer = 42;\n```\n";
    expect(docBlocks("docs/a-guide.md", page)).toEqual([
      { page: "docs/a-guide.md", line: 8, lang: "ts", code: "const answer = 42;" },
    ]);
  });
});
