// Preflight of `pnpm demo`, `pnpm test` and `pnpm docs:sync`: checks that this
// Node runs TypeScript directly (type stripping, on by default since Node 22.18
// and 23.6) before any `.ts` file is loaded. An older Node would otherwise fail
// with ERR_UNKNOWN_FILE_EXTENSION ".ts", which says nothing about its version.
//
// Plain JavaScript that Node 18 and later parse. Exits 1 with a message on
// stderr when the version is too old; prints nothing when it is fine.
// UNDERSTUDY_NODE_VERSION=20.20.0 checks that version instead (for its tests).

const checked = process.env.UNDERSTUDY_NODE_VERSION || process.versions.node;
const problem = nodeVersionProblem(checked);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}

/**
 * Why `version` ("22.18.0" or "v22.18.0") cannot run the repository's
 * TypeScript, or undefined when it can.
 * @param {string} version
 * @returns {string | undefined}
 */
function nodeVersionProblem(version) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  const shown = match ? `v${match[1]}.${match[2]}.${match[3]}` : JSON.stringify(version);
  if (match) {
    const major = Number(match[1]);
    const minor = Number(match[2]);
    if (major >= 24 || (major === 22 && minor >= 18) || (major === 23 && minor >= 6)) return undefined;
  }
  const floor = match && match[1] === "23" ? "22.18 (23.6 on the 23 line)" : "22.18";
  return [
    `understudy needs Node ≥ ${floor} to run its TypeScript directly; this is ${shown} — install a newer Node`,
    "(e.g. `nvm install 24`, `fnm install 24 && fnm use 24`, or from https://nodejs.org), then run the command again.",
    "The repository's .nvmrc says 24. If pnpm came with the old Node, install it again under the new one: npm install -g pnpm@10",
  ].join("\n");
}
