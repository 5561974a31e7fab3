// Runs the editor's converter (src/editor/convert.ts) on the shared fixture cases and prints the results as
// JSON, so that the Python twin (ipai_workos_blocks/live/prosemirror.py) is tested against the real thing.
// Usage: node scripts/convert-cases.mjs CASES.json   (from frontend/; esbuild comes with vite)
import { build } from "esbuild";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const folder = mkdtempSync(join(tmpdir(), "workos-convert-"));
const outfile = join(folder, "convert.mjs");
await build({ entryPoints: ["src/editor/convert.ts"], bundle: true, format: "esm", platform: "node", outfile, logLevel: "error" });
const convert = await import(pathToFileURL(outfile).href);
rmSync(folder, { recursive: true, force: true });

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = { blocks: {}, docs: {} };
for (const item of cases.blocks) {
  const doc = convert.blocksToDoc(item.blocks);
  out.blocks[item.name] = { doc, back: convert.docToBlocks(doc) };
}
for (const item of cases.docs) out.docs[item.name] = { blocks: convert.docToBlocks(item.doc) };
process.stdout.write(JSON.stringify(out));
