// Autosave: each change schedules a save of the whole document (PUT replaces it atomically, ids kept), debounced
// while typing and at most a few seconds apart. What is not saved yet is never lost: on leaving the page (reload,
// close, tab hidden) the document is written to localStorage synchronously and sent with a keepalive request;
// the next load of the page restores a newer local copy and saves it.
//
// No lost writes: each save names the document version it is based on (`base_version`; the page embeds the
// version it was rendered with, each save answers the next one). When the page changed elsewhere the server
// refuses the save (409 stale_version) and writes nothing; saving then pauses, the local copy is kept, and the
// editor asks the user: reload (discard mine), keep mine (save again on top of the current version), or copy.

import { ApiError, api } from "../lib/api";
import { type Block, blocksToDoc, docToBlocks } from "./convert";

export type SaveState = "saved" | "dirty" | "saving" | "error" | "offline" | "readonly" | "conflict";

/** What a whole-document save answers. */
interface SavedDocument {
  items: Block[];
  version: number;
}

/** A save was refused because the page changed elsewhere since the version it was based on. */
export interface Conflict {
  currentVersion: number;
  message: string;
}

const DEBOUNCE_MS = 500;
const MAX_WAIT_MS = 4000;
const KEEPALIVE_LIMIT = 60_000; // browsers refuse keepalive bodies above 64 KiB
const PENDING_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

export interface Pending {
  blocks?: Block[];
  title?: string;
  /** What the server had when these changes were made (canonical JSON of its blocks, its title). */
  base: string;
  baseTitle: string;
  at: number;
}

function pendingKey(pageId: number) {
  return `workos:unsaved:page:${pageId}`;
}

export function dropPending(pageId: number) {
  try {
    localStorage.removeItem(pendingKey(pageId));
  } catch {
    /* ignore */
  }
}

export function readPending(pageId: number): Pending | null {
  try {
    const raw = localStorage.getItem(pendingKey(pageId));
    if (!raw) return null;
    const pending = JSON.parse(raw) as Pending;
    if (!pending || typeof pending.at !== "number" || typeof pending.base !== "string" || Date.now() - pending.at > PENDING_MAX_AGE_MS) {
      localStorage.removeItem(pendingKey(pageId));
      return null;
    }
    return pending;
  } catch {
    return null;
  }
}

interface Channel<T> {
  version: number;
  savedVersion: number;
  value: () => T;
  send: (value: T, keepalive: boolean) => Promise<unknown>;
  onSaved: (value: T, answer: unknown) => void;
}

export class Autosave {
  private timer: number | undefined;
  private firstDirtyAt = 0;
  private inFlight: Promise<void> | null = null;
  private retryMs = 1000;
  private blocks: Channel<Block[]>;
  private title: Channel<string>;
  private stopped = false;
  private exitSent = "";
  /** Set while a refused save waits for the user's choice: nothing is sent until then. */
  private conflict: Conflict | null = null;
  /** The next save replaces changes made elsewhere on purpose ("Keep mine"). */
  private replacing = false;
  state: SaveState = "saved";

  constructor(
    private pageId: number,
    getBlocks: () => Block[],
    getTitle: () => string,
    private base: string,
    private baseTitle: string,
    /** The version of the document the editor holds (as the server numbers its writes). */
    private documentVersion: number,
    private onState: (state: SaveState, message?: string) => void,
    private onConflict: (conflict: Conflict) => void,
  ) {
    this.blocks = {
      version: 0,
      savedVersion: 0,
      value: getBlocks,
      send: async (blocks, keepalive) => {
        const body: Record<string, unknown> = { blocks, base_version: this.documentVersion };
        if (this.replacing) body.replaces_changes = true;
        try {
          return await api<SavedDocument>("PUT", `/pages/${pageId}/blocks`, body, { keepalive });
        } catch (error) {
          if (keepalive || !(error instanceof ApiError) || error.code !== "stale_version") throw error;
          // Refused as stale, but the server may hold exactly this document already — typically our own save
          // sent with keepalive as the previous load of the page went away. Then nothing is in conflict.
          const current = await api<SavedDocument>("GET", `/pages/${pageId}/blocks`).catch(() => null);
          if (current && JSON.stringify(docToBlocks(blocksToDoc(current.items))) === JSON.stringify(blocks)) return current;
          throw error;
        }
      },
      onSaved: (blocks, answer) => {
        this.base = JSON.stringify(blocks);
        this.documentVersion = (answer as SavedDocument).version;
        this.replacing = false;
      },
    };
    this.title = {
      version: 0,
      savedVersion: 0,
      value: getTitle,
      send: (title, keepalive) => api("PATCH", `/pages/${pageId}`, { title }, { keepalive }),
      onSaved: (title, _answer) => {
        this.baseTitle = title;
      },
    };
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.flushOnExit();
    });
    window.addEventListener("pagehide", () => this.flushOnExit());
    window.addEventListener("beforeunload", (event) => {
      if (this.flushOnExit() === "unsent") {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  get dirty(): boolean {
    return this.blocks.version !== this.blocks.savedVersion || this.title.version !== this.title.savedVersion;
  }

  documentChanged() {
    this.blocks.version++;
    this.changed();
  }

  titleChanged() {
    this.title.version++;
    this.changed();
  }

  /**
   * "Keep mine": save this editor's document over the changes made elsewhere, based on the version the
   * refusal named. Page history keeps the replaced changes as their own version.
   */
  keepMine(currentVersion?: number) {
    const conflict = this.conflict;
    if (currentVersion === undefined && !conflict) return;
    this.documentVersion = currentVersion ?? conflict!.currentVersion;
    this.conflict = null;
    this.replacing = true;
    this.blocks.version++; // send the document even if it did not change since the refused save
    this.changed();
    void this.flush();
  }

  /** "Reload (discard mine)": forget the unsaved changes, here and in the local copy; the caller reloads. */
  discardMine() {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.clearPending();
  }

  /**
   * Pause saving until the user decides: after a refused save (`notify`: ask them), or while an older local
   * copy waits for their choice (the caller asks; that copy stays as it is in storage).
   */
  holdFor(conflict: Conflict, notify = true) {
    this.conflict = conflict;
    window.clearTimeout(this.timer);
    this.setState("conflict", conflict.message);
    if (notify) this.onConflict(conflict);
  }

  /** Stop saving (the user may only view the page). */
  stop(message: string) {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.setState("readonly", message);
  }

  private changed() {
    if (this.stopped) return;
    if (this.conflict) {
      // typing goes on while the user decides: the local copy follows it, nothing is sent
      this.writePending();
      return;
    }
    if (!this.firstDirtyAt) this.firstDirtyAt = Date.now();
    this.setState("dirty");
    window.clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(DEBOUNCE_MS, this.firstDirtyAt + MAX_WAIT_MS - Date.now()));
    this.timer = window.setTimeout(() => void this.flush(), wait);
  }

  private setState(state: SaveState, message?: string) {
    this.state = state;
    this.onState(state, message);
  }

  /** Save what changed now; resolves when the server has it (or the attempt failed). */
  async flush(): Promise<void> {
    if (this.stopped || this.conflict) return;
    window.clearTimeout(this.timer);
    if (this.inFlight) {
      await this.inFlight;
      if (this.dirty) return this.flush();
      return;
    }
    if (!this.dirty) return;
    this.firstDirtyAt = 0;
    this.inFlight = this.sendAll();
    try {
      await this.inFlight;
    } finally {
      this.inFlight = null;
    }
    if (this.dirty && !this.stopped && !this.conflict && this.state !== "error" && this.state !== "offline") this.changed();
  }

  private async sendChannel<T>(channel: Channel<T>): Promise<void> {
    if (channel.version === channel.savedVersion) return;
    const version = channel.version;
    const value = channel.value();
    const answer = await channel.send(value, false);
    channel.onSaved(value, answer);
    channel.savedVersion = Math.max(channel.savedVersion, version);
  }

  private async sendAll(): Promise<void> {
    this.setState("saving");
    try {
      await this.sendChannel(this.title);
      await this.sendChannel(this.blocks);
      this.retryMs = 1000;
      if (!this.dirty) {
        this.clearPending();
        this.setState("saved");
      }
    } catch (error) {
      this.writePending();
      if (error instanceof ApiError) {
        if (error.status === 403 || error.status === 401) {
          this.stop(error.status === 401 ? "Log in again to save your changes" : "You can only view this page");
          return;
        }
        if (error.status === 409 && (error.code === "stale_version" || error.code === "version_required")) {
          const current = Number(error.details.current_version);
          this.holdFor({ currentVersion: Number.isFinite(current) ? current : this.documentVersion, message: error.message });
          return;
        }
        if (error.status === 409 || error.status === 404) {
          this.stop(error.message || "This page can no longer be edited");
          return;
        }
        // 413/422: the document was refused; keep it locally and tell the user why.
        this.setState("error", error.message);
        this.retryLater(15_000);
        return;
      }
      this.setState("offline", "Offline — your changes are kept and will be saved");
      this.retryLater(this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 30_000);
    }
  }

  private retryLater(ms: number) {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.flush(), ms);
  }

  private writePending() {
    try {
      const pending: Pending = { at: Date.now(), base: this.base, baseTitle: this.baseTitle };
      if (this.blocks.version !== this.blocks.savedVersion) pending.blocks = this.blocks.value();
      if (this.title.version !== this.title.savedVersion) pending.title = this.title.value();
      localStorage.setItem(pendingKey(this.pageId), JSON.stringify(pending));
    } catch {
      // Storage full or disabled: the keepalive request below is then the only chance.
    }
  }

  private clearPending() {
    try {
      localStorage.removeItem(pendingKey(this.pageId));
    } catch {
      /* ignore */
    }
  }

  /**
   * The page is going away: keep unsaved work locally (synchronous, always completes) and send it with
   * keepalive so the server has it even if this page never runs again. Returns "unsent" when it could not be
   * sent (too big for keepalive), so beforeunload can ask the user to wait.
   */
  flushOnExit(): "clean" | "sent" | "unsent" {
    if (this.stopped || (!this.dirty && !this.inFlight)) return "clean";
    if (this.conflict) {
      this.writePending(); // the choice is still open: keep the local copy, send nothing
      return "clean";
    }
    // beforeunload, pagehide and visibilitychange all come on one reload: send each version once.
    const versions = `${this.title.version}/${this.blocks.version}`;
    if (this.exitSent === versions) return "sent";
    this.exitSent = versions;
    window.clearTimeout(this.timer);
    this.writePending();
    let result: "sent" | "unsent" = "sent";
    for (const channel of [this.title, this.blocks] as Channel<unknown>[]) {
      if (channel.version === channel.savedVersion && !this.inFlight) continue;
      const value = channel.value();
      if (JSON.stringify(value).length > KEEPALIVE_LIMIT) {
        result = "unsent";
        continue;
      }
      const version = channel.version;
      // The local copy stays: the next load of the page compares it with the server and drops it if the
      // server has it (this request may well land after that load's read).
      channel
        .send(value, true)
        .then((answer) => {
          channel.onSaved(value, answer);
          channel.savedVersion = Math.max(channel.savedVersion, version);
          if (!this.dirty) this.setState("saved");
        })
        .catch(() => undefined);
    }
    return result;
  }
}
