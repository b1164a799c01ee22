// SPDX-License-Identifier: Apache-2.0
/*
 * Regenerates oracle.txt: every expression of cases.txt evaluated (with no
 * variables) by an independent CEL implementation, @bufbuild/cel 0.6.1
 * (npm; it passes cel-spec's conformance suite). tests/unit/test_expr.c
 * checks that ours gives the same verdict, or the deviation that
 * cases.txt declares (and docs/compatibility.md explains).
 *
 *   npm install --prefix /tmp/celjs @bufbuild/cel@0.6.1
 *   NODE_PATH=/tmp/celjs/node_modules node tests/data/expr/oracle.mjs
 *
 * cases.txt: one expression per line; "#" starts a comment line; a line
 * may end in TAB "ours=<verdict> <why>" for a declared deviation.
 * oracle.txt: "<oracle verdict> TAB <our expected verdict> TAB <expr>",
 * verdicts true, false, other (a non-bool value) or error.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(join(process.env.NODE_PATH ?? ".", "x.js"));
const { run } = require("@bufbuild/cel");
const here = dirname(fileURLToPath(import.meta.url));

function verdict(src) {
	try {
		const r = run(src, {});
		if (r instanceof Error) return "error";
		if (typeof r === "boolean") return String(r);
		return "other";
	} catch (e) {
		return "error";
	}
}

const out = [];
for (const line of readFileSync(join(here, "cases.txt"), "utf8").split("\n")) {
	if (line === "" || line.startsWith("#")) continue;
	const [src, note] = line.split("\t");
	const theirs = verdict(src);
	const m = note ? /^ours=(\S+)/.exec(note) : null;
	out.push(`${theirs}\t${m ? m[1] : theirs === "other" ? "false" : theirs}\t${src}`);
}
writeFileSync(join(here, "oracle.txt"), out.join("\n") + "\n");
console.log(`${out.length} cases`);
