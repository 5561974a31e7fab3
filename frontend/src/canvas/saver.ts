// Saves a canvas incrementally: after a pause in editing, only the elements whose (version, versionNonce) moved
// since the last save are sent. The server merges them with Excalidraw's rule (higher version wins, equal versions:
// lower nonce); a stale element comes back in `rejected` and the server's copy replaces ours in the scene. Cards
// that were saved are asked for again (`?since=`), so that they show what this viewer may see of them.
import { CaptureUpdateAction } from "@excalidraw/excalidraw";
import type { ExcalidrawImperativeAPI } from "@excalidraw/excalidraw/types";
import type { ExcalidrawElement } from "@excalidraw/excalidraw/element/types";

import { api, ApiError } from "../lib/api";
import type { Card } from "./card";

export interface Scene {
  sequence: number;
  elements: Record<string, unknown>[];
  cards: Record<string, Card>;
}

interface UpsertAnswer {
  sequence: number;
  applied: string[];
  unchanged: string[];
  rejected: { id: string; element: ExcalidrawElement }[];
}

const DELAY = 600;
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

  /** The elements that changed since they were last saved (images waiting for their upload excepted). */
  changed(): ExcalidrawElement[] {
    return this.excalidraw.getSceneElementsIncludingDeleted().filter((element) =>
      this.saved.get(element.id) !== stamp(element)
      && !(element.type === "image" && !element.isDeleted && !/^attachment-\d+$/.test(element.fileId ?? ""))
      && !(element.isDeleted && !this.saved.has(element.id)));
  }

  schedule(delay = DELAY) {
    if (!this.changed().length) return;
    this.show("pending", "Unsaved changes");
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.flush(), delay);
  }

  async flush(leaving = false): Promise<void> {
    window.clearTimeout(this.timer);
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const changed = this.changed();
    if (!changed.length) return;
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
        const answer = await api<UpsertAnswer>("POST", `/canvases/${this.canvasId}/elements`, { elements: batch }, { keepalive: leaving });
        const sent = new Map(batch.map((element) => [element.id, element]));
        for (const id of [...answer.applied, ...answer.unchanged]) this.saved.set(id, stamp(sent.get(id)!));
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
        this.timer = window.setTimeout(() => void this.flush(), 5000);
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
