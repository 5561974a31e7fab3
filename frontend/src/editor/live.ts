// Live co-editing: the page's Yjs document, synced with the server over /ws/pages/{id} (y-websocket protocol)
// and kept in IndexedDB, so edits made offline are merged when the connection returns.
//
// The save indicator tells the truth: the server sends its state vector once it has stored updates
// (WorkOS's "saved" message, asked for with ?ack=1); the page is saved when that covers every change this
// browser holds. Otherwise it is saving (online) or offline with N changes waiting.

import * as Y from "yjs";
import { IndexeddbPersistence } from "y-indexeddb";
import { WebsocketProvider } from "y-websocket";
import { colorFor } from "../lib/colors";

export const MESSAGE_SAVED = 100;
const CONNECT_TIMEOUT_MS = 4000;
/** Close codes after which reconnecting cannot help (see the server's consumer). */
const FINAL_CLOSE = new Set([4401, 4403, 4404]);

export type LiveState = "saved" | "saving" | "offline" | "closed";

export interface LiveSession {
  doc: Y.Doc;
  provider: WebsocketProvider;
  state: () => LiveState;
  waiting: () => number;
  saved: () => boolean;
  closedReason: () => string;
  onChange: (listener: () => void) => void;
  destroy: () => void;
}

function readVarUint(decoder: { arr: Uint8Array; pos: number }): number {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = decoder.arr[decoder.pos++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return value;
  }
}

/** Connect to the page's live document; null when it cannot be reached and this browser holds no copy of it. */
export async function openLive(pageId: number, user: { id: number; name: string } | undefined): Promise<LiveSession | null> {
  if (typeof WebSocket === "undefined") return null;
  const doc = new Y.Doc();
  let local: IndexeddbPersistence | null = null;
  try {
    local = new IndexeddbPersistence(`workos:page:${pageId}`, doc);
  } catch {
    local = null; // private windows may refuse IndexedDB: live editing still works online
  }
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const provider = new WebsocketProvider(`${scheme}//${window.location.host}/ws/pages`, String(pageId), doc, {
    params: { ack: "1" },
    disableBc: true,
    // Ask the server for anything missed every 10 s (sync step 1): an update lost on the way (a channel over its
    // capacity drops messages) is fetched again instead of holding back every later edit of its author.
    resyncInterval: 10_000,
  });
  let serverState = new Map<number, number>();
  let localChanges = 0;
  let closed = "";
  const listeners: Array<() => void> = [];
  const changed = () => listeners.forEach((listener) => listener());

  provider.messageHandlers[MESSAGE_SAVED] = (_encoder: unknown, decoder: any) => {
    const length = readVarUint(decoder);
    const vector = decoder.arr.subarray(decoder.pos, decoder.pos + length);
    decoder.pos += length;
    serverState = Y.decodeStateVector(vector);
    if (saved()) localChanges = 0;
    changed();
  };
  // y-websocket answers an auth message by logging; a viewer is told here that their edits are not kept.
  provider.on("status", changed);
  provider.on("sync", changed);
  provider.on("connection-close", (event: CloseEvent | null) => {
    if (event && FINAL_CLOSE.has(event.code)) {
      closed = event.reason || "This page is no longer available to you";
      provider.shouldConnect = false;
      provider.disconnect();
    }
    changed();
  });
  doc.on("update", (_update: Uint8Array, origin: unknown) => {
    if (origin !== provider && origin !== local) {
      localChanges += 1;
      changed();
    }
  });

  function saved(): boolean {
    const mine = Y.decodeStateVector(Y.encodeStateVector(doc));
    for (const [client, clock] of mine) if ((serverState.get(client) ?? 0) < clock) return false;
    return true;
  }

  const session: LiveSession = {
    doc,
    provider,
    saved,
    closedReason: () => closed,
    waiting: () => (saved() ? 0 : Math.max(localChanges, 1)),
    state: () => (closed ? "closed" : !provider.wsconnected ? "offline" : saved() ? "saved" : "saving"),
    onChange: (listener) => listeners.push(listener),
    destroy: () => {
      provider.destroy();
      local?.destroy();
      doc.destroy();
    },
  };

  // Live when the server syncs; also when it cannot be reached but this browser holds the page (offline).
  const outcome = await new Promise<"live" | "offline" | "failed">((resolve) => {
    const timer = window.setTimeout(() => resolve(doc.getXmlFragment("default").length > 0 ? "offline" : "failed"), CONNECT_TIMEOUT_MS);
    provider.once("sync", (isSynced: boolean) => {
      if (isSynced) {
        window.clearTimeout(timer);
        resolve("live");
      }
    });
    provider.on("connection-close", (event: CloseEvent | null) => {
      if (event && FINAL_CLOSE.has(event.code)) {
        window.clearTimeout(timer);
        resolve("failed");
      }
    });
  });
  if (outcome === "failed") {
    session.destroy();
    return null;
  }
  if (user) provider.awareness.setLocalStateField("user", { id: user.id, name: user.name, color: colorFor(user.id) });
  return session;
}

export { colorFor };

/** Avatars of the other people on the page, from the awareness states. */
export function renderPresence(host: HTMLElement, session: LiveSession) {
  const draw = () => {
    const seen = new Map<number, { name: string; color: string }>();
    const me = session.provider.awareness.clientID;
    const myUser = (session.provider.awareness.getLocalState() as any)?.user?.id;
    session.provider.awareness.getStates().forEach((state: any, clientId: number) => {
      const user = state?.user;
      if (clientId === me || !user || typeof user.name !== "string") return;
      if (user.id === myUser && myUser !== undefined) return; // my other tabs
      seen.set(Number(user.id ?? clientId), { name: user.name, color: typeof user.color === "string" ? user.color : "#868e96" });
    });
    host.replaceChildren(
      ...[...seen.values()].map((user) => {
        const avatar = document.createElement("span");
        avatar.className = "presence-avatar";
        avatar.dataset.userName = user.name;
        avatar.title = user.name;
        avatar.style.background = user.color;
        avatar.textContent = user.name.slice(0, 1).toUpperCase();
        return avatar;
      }),
    );
    host.hidden = seen.size === 0;
  };
  session.provider.awareness.on("change", draw);
  draw();
}
