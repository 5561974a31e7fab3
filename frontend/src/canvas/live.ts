// Live collaboration on a canvas: one WebSocket to /ws/canvases/{id} (see addons/ipai_workos_canvas/live/consumer.py
// for the messages). Elements changed by others arrive as stored and are merged into the scene with Excalidraw's
// reconcileElements (higher version wins; equal versions: lower versionNonce; an element being edited here stays
// ours) — the server applies the same rule, so every client settles on the same scene. Local changes go out through
// the Saver, which writes over this socket while it is open (throttled, only changed elements) and through the REST
// API otherwise. Pointers of the others are shown with Excalidraw's collaborators; ours are sent, throttled.
// After the network or the server went away, the socket reconnects (1 s doubling to 30 s, with jitter) and asks
// for what changed since the last write it heard of.
import { CaptureUpdateAction, reconcileElements, restoreElements } from "@excalidraw/excalidraw";
import type { Collaborator, ExcalidrawImperativeAPI, SocketId } from "@excalidraw/excalidraw/types";
import type { ExcalidrawElement, OrderedExcalidrawElement } from "@excalidraw/excalidraw/element/types";
import type { RemoteExcalidrawElement } from "@excalidraw/excalidraw/data/reconcile";

import { ApiError } from "../lib/api";
import { colorFor } from "../lib/colors";
import type { Card } from "./card";
import type { Saver, UpsertAnswer } from "./saver";

const POINTER_INTERVAL = 50;
const FINAL_CLOSE = new Set([4401, 4403, 4404]); // logged out, access revoked, no such canvas (for this user)

interface Person {
  id: number;
  name: string;
}

type Message =
  | { type: "hello"; sequence: number; writable: boolean; client: string; user: Person }
  | { type: "elements"; sequence: number; elements: ExcalidrawElement[]; cards: Record<string, Card> }
  | ({ type: "saved"; ref: number } & UpsertAnswer)
  | { type: "error"; ref: number | null; code: string; message: string; field?: string | null; element_id?: string | null }
  | { type: "pointer"; client: string; user: Person; pointer: { x: number; y: number; tool: "pointer" | "laser" }; button: "up" | "down";
      selectedElementIds: Record<string, true> }
  | { type: "left"; client: string }
  | { type: "access"; writable: boolean };

export class LiveCanvas {
  private socket: WebSocket | null = null;
  private open = false;
  private stopped = false;
  private attempt = 0;
  private ref = 0;
  private waiting = new Map<number, { resolve: (answer: UpsertAnswer) => void; reject: (error: Error) => void }>();
  private collaborators = new Map<string, Collaborator>();
  private pointerTimer: number | undefined;
  private pointerSent = 0;
  private nextPointer: string | null = null;
  clientId = "";

  constructor(
    private canvasId: number,
    private excalidraw: ExcalidrawImperativeAPI,
    private saver: Saver,
    private sequence: number,
    private onCards: (cards: Record<string, Card>) => void,
    private onState: (state: { live: boolean; writable?: boolean }) => void,
  ) {}

  start() {
    this.connect();
    window.addEventListener("pagehide", () => this.stop());
  }

  stop() {
    this.stopped = true;
    this.socket?.close();
  }

  isOpen(): boolean {
    return this.open && this.socket?.readyState === WebSocket.OPEN;
  }

  private connect() {
    if (this.stopped || this.socket) return;
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/canvases/${this.canvasId}?since=${this.sequence}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener("message", (event) => {
      let message: Message;
      try {
        message = JSON.parse(String(event.data));
      } catch {
        return;
      }
      this.receive(message);
    });
    socket.addEventListener("close", (event) => {
      this.socket = null;
      this.open = false;
      for (const { reject } of this.waiting.values()) reject(new Error("the live connection closed"));
      this.waiting.clear();
      this.collaborators.clear();
      this.showCollaborators();
      this.onState({ live: false });
      if (this.stopped || FINAL_CLOSE.has(event.code)) return;
      const delay = Math.min(30_000, 1000 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
      this.attempt = Math.min(this.attempt + 1, 5);
      window.setTimeout(() => this.connect(), delay);
    });
  }

  private receive(message: Message) {
    switch (message.type) {
      case "hello":
        this.clientId = message.client;
        this.open = true;
        this.attempt = 0;
        this.onState({ live: true, writable: message.writable });
        break;
      case "elements":
        this.apply(message.elements);
        this.sequence = Math.max(this.sequence, message.sequence);
        if (Object.keys(message.cards).length) this.onCards(message.cards);
        this.saver.schedule(0); // what changed here while we were not connected goes out now
        break;
      case "saved":
      case "error": {
        const waiting = message.ref === null ? undefined : this.waiting.get(message.ref);
        if (!waiting) break;
        this.waiting.delete(message.ref!);
        if (message.type === "saved") waiting.resolve(message);
        else waiting.reject(new ApiError(message.code === "read_only" ? 403 : 400, message.code, message.message, message.field ?? undefined,
          { element_id: message.element_id }));
        break;
      }
      case "pointer":
        this.collaborators.set(message.client, {
          pointer: message.pointer, button: message.button, selectedElementIds: message.selectedElementIds, username: message.user.name,
          id: String(message.user.id), socketId: message.client as SocketId,
          color: { background: colorFor(message.user.id), stroke: colorFor(message.user.id) },
        });
        this.showCollaborators();
        break;
      case "left":
        if (this.collaborators.delete(message.client)) this.showCollaborators();
        break;
      case "access":
        this.onState({ live: true, writable: message.writable });
        break;
    }
  }

  /** Merge elements from the server into the scene; the server holds them as they are, so they count as saved. */
  private apply(remote: ExcalidrawElement[]) {
    if (!remote.length) return;
    const restored = restoreElements(remote, null) as unknown as RemoteExcalidrawElement[];
    const local = this.excalidraw.getSceneElementsIncludingDeleted() as readonly OrderedExcalidrawElement[];
    const merged = reconcileElements(local, restored, this.excalidraw.getAppState());
    this.saver.markSaved(remote);
    this.excalidraw.updateScene({ elements: merged, captureUpdate: CaptureUpdateAction.NEVER });
  }

  private showCollaborators() {
    this.excalidraw.updateScene({ collaborators: new Map(this.collaborators) as Map<SocketId, Collaborator> });
  }

  /** Write changed elements over the socket; the server's answer, as the REST API gives it. */
  write(elements: readonly ExcalidrawElement[]): Promise<UpsertAnswer> {
    const socket = this.socket;
    if (!socket || !this.isOpen()) return Promise.reject(new Error("the live connection is not open"));
    const ref = ++this.ref;
    return new Promise((resolve, reject) => {
      this.waiting.set(ref, { resolve, reject });
      socket.send(JSON.stringify({ type: "elements", ref, elements }));
    });
  }

  /** Our pointer, for the others (at most every POINTER_INTERVAL ms; the last position always goes out). */
  pointer(pointer: { x: number; y: number; tool: "pointer" | "laser" }, button: "up" | "down") {
    if (!this.isOpen()) return;
    // the others see what we have selected (a hundred ids at most: a pointer message stays small)
    const selectedElementIds = Object.fromEntries(Object.keys(this.excalidraw.getAppState().selectedElementIds).slice(0, 100).map((id) => [id, true]));
    this.nextPointer = JSON.stringify({ type: "pointer", pointer, button, selectedElementIds });
    const wait = this.pointerSent + POINTER_INTERVAL - Date.now();
    if (wait <= 0) return this.sendPointer();
    if (this.pointerTimer === undefined) this.pointerTimer = window.setTimeout(() => this.sendPointer(), wait);
  }

  private sendPointer() {
    window.clearTimeout(this.pointerTimer);
    this.pointerTimer = undefined;
    if (this.nextPointer && this.isOpen()) this.socket!.send(this.nextPointer);
    this.nextPointer = null;
    this.pointerSent = Date.now();
  }
}
