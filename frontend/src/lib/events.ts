// Live notices from /ws/events (see addons/ipai_workos_core/live/__init__.py): one WebSocket per tab, opened by
// the first island that listens, reconnected with exponential backoff (1 s doubling to 30 s, with jitter) after
// the network or the server went away. A notice names what changed (ids and kinds, never content): listeners
// refetch through the API, which checks permissions. After a reconnect every listener hears {"kind": "hello"}
// again and refetches, since notices may have been missed meanwhile.

export type LiveNotice =
  | { kind: "hello" }
  | { kind: "page"; event: "changed" | "moved" | "trashed"; id: number; container: { model: string; id: string } | null }
  | { kind: "scope"; model: string; id: string }
  | { kind: "database"; event: "created" | "renamed"; id: number }
  | { kind: "comments"; page_id: number }
  | { kind: "notification" };

type Listener = (notice: LiveNotice) => void;

const listeners = new Set<Listener>();
let socket: WebSocket | null = null;
let attempt = 0;
let retry: number | undefined;
let stopped = false;
let connectedBefore = false;

function open() {
  if (stopped || socket) return;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/events`;
  const current = new WebSocket(url);
  socket = current;
  current.addEventListener("message", (event) => {
    let notice: LiveNotice;
    try {
      notice = JSON.parse(String(event.data));
    } catch {
      return;
    }
    if (notice.kind === "hello") {
      attempt = 0;
      // The first hello of the tab: what the page shows is fresh. Later ones follow a reconnect: refetch.
      if (!connectedBefore) {
        connectedBefore = true;
        return;
      }
    }
    for (const listener of listeners) {
      try {
        listener(notice);
      } catch (error) {
        console.error(error);
      }
    }
  });
  current.addEventListener("close", (event) => {
    socket = null;
    // Logged out, or the access behind this tab is gone: a reload (or the next page) asks to log in again.
    if (event.code === 4401 || event.code === 4403) return;
    const delay = Math.min(30_000, 1000 * 2 ** attempt) * (0.75 + Math.random() / 2);
    attempt = Math.min(attempt + 1, 6);
    retry = window.setTimeout(open, delay);
  });
}

/** Hear every live notice of this tab; opens the connection on first use. Returns a function that stops. */
export function onLiveNotice(listener: Listener): () => void {
  listeners.add(listener);
  open();
  return () => listeners.delete(listener);
}

/** For the page's state in tests and the console: whether the live connection is open. */
export function liveConnected(): boolean {
  return socket?.readyState === WebSocket.OPEN;
}

window.addEventListener("pagehide", () => {
  stopped = true;
  window.clearTimeout(retry);
  socket?.close();
});
window.addEventListener("pageshow", (event) => {
  if (event.persisted) {
    stopped = false;
    open();
  }
});

/** Run ``work`` at most once per ``wait`` ms, after the last call (a burst of notices makes one refetch). */
export function debounced(work: () => void, wait = 250): () => void {
  let timer: number | undefined;
  return () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(work, wait);
  };
}
