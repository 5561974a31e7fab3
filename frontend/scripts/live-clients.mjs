// Node Yjs clients for the live-page tests: N y-websocket providers (yjs + y-websocket from npm, as any
// third-party client would use them) on one page make seeded random concurrent edits, wait until they and a
// fresh client (what the server stored) agree, and print the result as one JSON line: the page read with
// y-prosemirror's reader and the editor's converter (the blocks the server should derive).
// Usage: node scripts/live-clients.mjs WS_URL[,WS_URL...] PAGE_ID TOKEN CLIENTS SEED
// (several URLs: the clients are spread over them in turn, e.g. over two server processes sharing Redis)
import { build } from "esbuild";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import WebSocket from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { yXmlFragmentToProsemirrorJSON } from "@tiptap/y-tiptap";

const [serverUrl, room, token, count, seedText] = process.argv.slice(2);
const folder = mkdtempSync(join(tmpdir(), "workos-live-"));
await build({ entryPoints: ["src/editor/convert.ts"], bundle: true, format: "esm", platform: "node", outfile: join(folder, "convert.mjs"), logLevel: "error" });
const { docToBlocks, plainText } = await import(pathToFileURL(join(folder, "convert.mjs")).href);
rmSync(folder, { recursive: true, force: true });

let seed = Number(seedText) >>> 0;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const deadline = Date.now() + 60_000;
async function until(condition, what) {
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for " + what);
    await sleep(50);
  }
}

const serverUrls = serverUrl.split(",");

function connect(index = 0) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(serverUrls[index % serverUrls.length], room, doc, { WebSocketPolyfill: WebSocket, params: { token }, disableBc: true });
  provider.on("connection-close", (event) => { if (event && event.code >= 4000) console.error("closed", event.code, event.reason); });
  return { doc, provider };
}

const texts = (doc) => docToBlocks(yXmlFragmentToProsemirrorJSON(doc.getXmlFragment("default"))).map((block) => plainText(block.content.text));

const clients = Array.from({ length: Number(count) }, (_, index) => connect(index));
await until(() => clients.every((client) => client.provider.synced), "sync");
clients.forEach((client, index) => client.provider.awareness.setLocalStateField("user", { name: `node ${index}` }));

await Promise.all(clients.map(async ({ doc }, index) => {
  const fragment = doc.getXmlFragment("default");
  for (let step = 0; step < 20; step++) {
    const size = fragment.length;
    if (size === 0 || random() < 0.2) {
      const paragraph = new Y.XmlElement("paragraph");
      paragraph.insert(0, [new Y.XmlText(`n${index}.${step}`)]);
      fragment.insert(Math.floor(random() * (size + 1)), [paragraph]);
    } else {
      const paragraph = fragment.get(Math.floor(random() * size));
      let run = paragraph.get(0);
      if (!(run instanceof Y.XmlText)) {
        run = new Y.XmlText();
        paragraph.insert(0, [run]);
      }
      run.insert(Math.floor(random() * (run.length + 1)), `<${index}:${step}>`);
    }
    await sleep(random() * 30);
  }
}));

const same = (a, b) => JSON.stringify(texts(a)) === JSON.stringify(texts(b));
await until(() => clients.every((client) => same(client.doc, clients[0].doc)), "convergence");
const seesOthers = clients.every((client) => client.provider.awareness.getStates().size >= clients.length);
let fresh = connect();
await until(() => fresh.provider.synced, "fresh sync");
// what the server stored: a client that connects now sees every edit (retry while the last ones land)
while (!same(fresh.doc, clients[0].doc)) {
  if (Date.now() > deadline) throw new Error("the server did not store every edit");
  await sleep(200);
  fresh.provider.destroy();
  fresh = connect();
  await until(() => fresh.provider.synced, "fresh sync");
}
const result = { converged: true, texts: texts(clients[0].doc), sees_others: seesOthers };
for (const client of [...clients, fresh]) client.provider.destroy();
console.log(JSON.stringify(result));
process.exit(0);
