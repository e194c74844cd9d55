// Renders every formula texgrad prints with KaTeX (the version docs/katex-header.html loads), in
// strict mode, and fails on the first one KaTeX refuses:
//   - every formula of `texgrad notes` (the definitions as written, as computed, every derivative,
//     the original notes' claims), in `$$ .. $$` blocks and `` $`..`$ `` spans;
//   - the canonical LaTeX `texgrad parse` prints for each definition's formula and for every
//     formula of the parser's corpus (tests/corpus/accepted.txt);
//   - optionally, a file of formulas one to a line: what the printers write for random formulas
//     (`tests/printed_latex.rs` writes target/katex-random.txt when the tests run).
//
// Usage (from the repository root; .ci/run does this):
//   npm ci --prefix scripts/katex
//   cargo build --release -p texgrad-cli && target/release/texgrad notes -o target/katex-notes
//   node scripts/katex/check.mjs target/katex-notes target/release/texgrad tests/corpus/accepted.txt \
//     target/katex-random.txt
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import katex from "katex";

const [notesDir, texgrad, corpus, printed] = process.argv.slice(2);
if (!notesDir || !texgrad || !corpus) {
  console.error("usage: node check.mjs NOTES_DIR TEXGRAD_BINARY CORPUS_FILE [PRINTED_FORMULAS_FILE]");
  process.exit(2);
}

const failures = [];
let rendered = 0;

function render(formula, where) {
  try {
    katex.renderToString(formula, { displayMode: true, throwOnError: true, strict: "error" });
    rendered += 1;
  } catch (error) {
    failures.push(`${where}: ${formula}\n    ${error.message}`);
  }
}

let unparsed = 0;

function renderCanonical(formula, where) {
  // `texgrad parse` prints the canonical LaTeX on its first line, the s-expression on the second.
  // A formula that names another definition (`\operatorname{gelu}(a) b`) parses only beside it.
  let printed;
  try {
    printed = execFileSync(texgrad, ["parse", formula], { encoding: "utf8", stdio: "pipe" });
  } catch {
    unparsed += 1;
    return;
  }
  render(printed.split("\n")[0], `${where} (texgrad parse of ${formula})`);
}

const written = [];
for (const page of readdirSync(notesDir).filter((name) => name.endsWith(".md")).sort()) {
  const text = readFileSync(join(notesDir, page), "utf8");
  const blocks = [...text.matchAll(/^\$\$\n([\s\S]*?)\n\$\$$/gm)].map((match) => match[1]);
  blocks.forEach((block) => render(block, page));
  for (const match of text.matchAll(/\$`([^`]*)`\$/g)) render(match[1], page);
  if (page !== "README.md" && blocks.length > 0) written.push([page, blocks[0]]);
}
const fromNotes = rendered;

for (const [page, formula] of written) renderCanonical(formula, page);
const corpusFormulas = readFileSync(corpus, "utf8")
  .split("\n")
  .filter((line) => line.trim() && !line.startsWith("#") && line.includes(" | "))
  .map((line) => line.slice(line.indexOf(" | ") + 3));
for (const formula of corpusFormulas) renderCanonical(formula, "corpus");

let fromPrinted = 0;
if (printed) {
  const lines = readFileSync(printed, "utf8").split("\n").filter((line) => line.trim());
  lines.forEach((formula) => render(formula, printed));
  fromPrinted = lines.length;
}

console.log(
  `KaTeX ${katex.version}: ${rendered} formulas rendered (${fromNotes} from the notes, ` +
    `${written.length + corpusFormulas.length - unparsed} printed by texgrad parse, ${unparsed} that name ` +
    `another definition not parsed alone, ${fromPrinted} printed for random formulas), ${failures.length} refused`,
);
if (failures.length > 0) {
  console.error(failures.join("\n"));
  process.exit(1);
}
