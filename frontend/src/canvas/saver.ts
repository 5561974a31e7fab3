// Saves a canvas incrementally: only the elements whose (version, versionNonce) moved since the last save are
// sent — over the live socket while it is open (throttled: a drag reaches the others as it goes on), otherwise
// through the REST API after a pause in editing. The server merges them with Excalidraw's rule (higher version wins, equal versions:
// lower nonce); a stale element comes back in `rejected` and the server's copy replaces ours in the scene. Cards
// that were saved are asked for again (`?since=`), so that they show what this viewer may see of them.
import { CaptureUpdateAction } from "@excalidraw/excalidraw";
import type { ExcalidrawImperativeAPI } from "@excalidraw/excalidraw/types";
import type { ExcalidrawElement } from "@excalidraw/excalidraw/element/types";

import { api, ApiError } from "../lib/api";
import type { Card } from "./card";
import type { LiveCanvas } from "./live";

export interface Scene {
  sequence: number;
  elements: Record<string, unknown>[];
  cards: Record<string, Card>;
}

export interface UpsertAnswer {
  sequence: number;
  applied: string[];
  unchanged: string[];
  rejected: { id: string; element: ExcalidrawElement }[];
}

const DELAY = 600;
const LIVE_INTERVAL = 80;
const BATCH = 2000; // the server's limit per write

const stamp = (element: { version: number; versionNonce: number }) => `${element.version}:${element.versionNonce}`;

export class Saver {
  private saved = new Map<string, string>();
  private timer: number | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private sequence: number;
  private status = document.querySelector<HTMLElement>("[data-save-status]");
  private root = document.getElementById("workos-canvas");
  private live: LiveCanvas | null = null;

  constructor(
    private canvasId: number,
    private excalidraw: ExcalidrawImperativeAPI,
    scene: Scene,
    private onCards: (cards: Record<string, Card>) => void,
  ) {
    this.sequence = scene.sequence;
    for (const element of scene.elements as unknown as ExcalidrawElement[]) this.saved.set(element.id, stamp(element));
    this.show("saved", "");
  }

  private show(state: "saved" | "pending" | "saving" | "error", text: string) {
    if (this.root) this.root.dataset.saveState = state;
    if (this.status) this.status.textContent = text;
  }

  /** Write through this live connection while it is open. */
  attach(live: LiveCanvas) {
    this.live = live;
  }

  /** Elements the server holds as they are (they came from it): not to be sent back. */
  markSaved(elements: readonly { id: string; version: number; versionNonce: number }[]) {
    for (const element of elements) this.saved.set(element.id, stamp(element));
  }

  /** The elements that changed since they were last saved (images waiting for their upload excepted). */
  changed(): ExcalidrawElement[] {
    return this.excalidraw.getSceneElementsIncludingDeleted().filter((element) =>
      this.saved.get(element.id) !== stamp(element)
      && !(element.type === "image" && !element.isDeleted && !/^attachment-\d+$/.test(element.fileId ?? ""))
      && !(element.isDeleted && !this.saved.has(element.id)));
  }

  schedule(delay?: number) {
    if (!this.changed().length) return;
    this.show("pending", "Unsaved changes");
    if (this.live?.isOpen()) {
      if (delay === 0) window.clearTimeout(this.timer);
      else if (this.timer !== undefined) return; // throttled, not debounced: the pending write will carry this change
      this.timer = window.setTimeout(() => void this.flush(), delay ?? LIVE_INTERVAL);
      return;
    }
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.flush(), delay ?? DELAY);
  }

  async flush(leaving = false): Promise<void> {
    window.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const changed = this.changed();
    if (!changed.length) {
      // what was pending may have become the server's copy meanwhile (an element taken from the live room)
      if (this.root?.dataset.saveState === "pending") this.show("saved", "Saved");
      return;
    }
    this.show("saving", "Saving…");
    this.running = this.send(changed, leaving).finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        void this.flush();
      }
    });
    return this.running;
  }

  private async send(changed: ExcalidrawElement[], leaving: boolean) {
    try {
      let cardSaved = false;
      const before = this.sequence;
      for (let start = 0; start < changed.length; start += BATCH) {
        const batch = changed.slice(start, start + BATCH);
        // Excalidraw changes elements in place: what was sent is known by the stamps taken now, not after the answer
        const sent = new Map(batch.map((element) => [element.id, stamp(element)]));
        const answer = this.live?.isOpen() && !leaving
          ? await this.live.write(batch)
          : await api<UpsertAnswer>("POST", `/canvases/${this.canvasId}/elements`, { elements: batch }, { keepalive: leaving });
        for (const id of [...answer.applied, ...answer.unchanged]) this.saved.set(id, sent.get(id)!);
        cardSaved ||= batch.some((element) => element.type === "embeddable" && answer.applied.includes(element.id));
        if (answer.rejected.length) this.take(answer.rejected.map((rejected) => rejected.element));
        this.sequence = answer.sequence;
      }
      if (cardSaved && !leaving) {
        const fresh = await api<Scene>("GET", `/canvases/${this.canvasId}/elements?since=${before}`);
        this.onCards(fresh.cards);
      }
      this.show(this.changed().length ? "pending" : "saved", this.changed().length ? "Unsaved changes" : "Saved");
    } catch (error) {
      this.show("error", error instanceof ApiError ? `Not saved: ${error.message}` : "Not saved: the server cannot be reached");
      if (!(error instanceof ApiError) || error.status >= 500) {
        window.clearTimeout(this.timer);
        this.timer = window.setTimeout(() => void this.flush(), this.live?.isOpen() ? 1000 : 5000);
      }
    }
  }

  /** The server's copies won: put them in the scene (they are saved as they are). */
  private take(elements: ExcalidrawElement[]) {
    const byId = new Map(elements.map((element) => [element.id, element]));
    for (const element of elements) this.saved.set(element.id, stamp(element));
    this.excalidraw.updateScene({
      elements: this.excalidraw.getSceneElementsIncludingDeleted().map((element) => byId.get(element.id) ?? element),
      captureUpdate: CaptureUpdateAction.NEVER,
    });
  }
}
