// The canvas island: Excalidraw (MIT) on /web/canvases/{id}. The server embeds the scene (elements + what each
// card shows to this viewer); every change is saved through /api/v1/canvases/{id}/elements, debounced, sending
// only the elements whose version moved since the last save (saver.ts) — over the canvas's live socket while it is
// open, where the others' elements and pointers arrive too (live.ts). Pages dragged from the sidebar or picked
// with "Insert page" become cards (Excalidraw embeddables rendered by CardView); a double-click opens them.
import "./assets";
import "@excalidraw/excalidraw/index.css";
// The page top bar (breadcrumbs, save status, actions) is styled with the editor's page: the same bar on both.
import "../editor/editor.css";
import "./canvas.css";

import { useEffect, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import {
  CaptureUpdateAction,
  Excalidraw,
  exportToBlob,
  exportToSvg,
  newElementWith,
  restoreElements,
  viewportCoordsToSceneCoords,
} from "@excalidraw/excalidraw";
import type { BinaryFileData, ExcalidrawImperativeAPI } from "@excalidraw/excalidraw/types";
import type { ExcalidrawElement, ExcalidrawImageElement } from "@excalidraw/excalidraw/element/types";

import { api, embeddedJson } from "../lib/api";
import { Card, CardView } from "./card";
import { Scene, Saver } from "./saver";
import { insertDialog } from "./insert";
import { LiveCanvas } from "./live";

interface Meta {
  id: number;
  page_id: number;
  title: string;
  editable: boolean;
  archived: boolean;
  viewport: { scrollX?: number; scrollY?: number; zoom?: { value: number }; viewBackgroundColor?: string };
}

const PAGE_MIME = "application/x-workos-page";
const ATTACHMENT = /^attachment-(\d+)$/;

function currentTheme(): "light" | "dark" {
  const set = document.documentElement.dataset.theme;
  if (set === "dark" || set === "light") return set;
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function useTheme(): "light" | "dark" {
  const [theme, setTheme] = useState(currentTheme());
  useEffect(() => {
    const observer = new MutationObserver(() => setTheme(currentTheme()));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    return () => observer.disconnect();
  }, []);
  return theme;
}

function dataUrlToBlob(dataUrl: string): Blob {
  const [head, body] = dataUrl.split(",", 2);
  const type = head.match(/^data:([^;]+)/)?.[1] ?? "application/octet-stream";
  const bytes = atob(body);
  const array = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) array[i] = bytes.charCodeAt(i);
  return new Blob([array], { type });
}

function blobToDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** Images in the scene are attachments of the canvas's page: load the stored ones as Excalidraw files. */
async function loadImages(excalidraw: ExcalidrawImperativeAPI, elements: readonly ExcalidrawElement[]) {
  const wanted = new Set<string>();
  for (const element of elements) {
    if (element.type === "image" && !element.isDeleted && element.fileId && ATTACHMENT.test(element.fileId)) wanted.add(element.fileId);
  }
  const files: BinaryFileData[] = [];
  for (const fileId of wanted) {
    const id = fileId.match(ATTACHMENT)![1];
    const response = await fetch(`/api/v1/attachments/${id}/content`, { credentials: "same-origin" });
    if (!response.ok) continue;
    const blob = await response.blob();
    files.push({ id: fileId as BinaryFileData["id"], dataURL: (await blobToDataUrl(blob)) as BinaryFileData["dataURL"],
      mimeType: (blob.type || "image/png") as BinaryFileData["mimeType"], created: Date.now() });
  }
  if (files.length) excalidraw.addFiles(files);
}

/** New images (pasted or dropped: Excalidraw keeps them as data URLs) go to the attachments service first; the
 * element then points at the attachment, and only then is it saved. */
async function uploadImages(excalidraw: ExcalidrawImperativeAPI, pageId: number, uploading: Set<string>) {
  const files = excalidraw.getFiles();
  for (const element of excalidraw.getSceneElements()) {
    if (element.type !== "image" || !element.fileId || ATTACHMENT.test(element.fileId) || uploading.has(element.id)) continue;
    const file = files[element.fileId];
    if (!file) continue;
    uploading.add(element.id);
    try {
      const form = new FormData();
      form.append("file", dataUrlToBlob(file.dataURL), `canvas-image.${file.mimeType.split("/")[1] ?? "png"}`);
      const stored = await api<{ id: number }>("POST", `/pages/${pageId}/attachments`, form);
      const fileId = `attachment-${stored.id}` as BinaryFileData["id"];
      excalidraw.addFiles([{ ...file, id: fileId }]);
      excalidraw.updateScene({
        elements: excalidraw.getSceneElementsIncludingDeleted().map((e) =>
          e.id === element.id ? newElementWith(e as ExcalidrawImageElement, { fileId, status: "saved" }) : e),
        captureUpdate: CaptureUpdateAction.NEVER,
      });
    } finally {
      uploading.delete(element.id);
    }
  }
}

function cardElement(kind: "page" | "database", id: number, x: number, y: number): ExcalidrawElement {
  // restoreElements fills in every field an element of this type needs (as when a scene is loaded).
  const link = `/web/${kind}s/${id}`;
  const [element] = restoreElements([{
    id: newId(), type: "embeddable", x, y, width: 320, height: 180, angle: 0, strokeColor: "#1e1e1e", backgroundColor: "transparent",
    fillStyle: "solid", strokeWidth: 2, strokeStyle: "solid", roughness: 0, opacity: 100, groupIds: [], frameId: null, roundness: null,
    seed: randomInt(), version: 1, versionNonce: randomInt(), isDeleted: false, boundElements: null, updated: Date.now(), link,
    locked: false, customData: { workos: { card: kind, id } },
  } as never], null);
  return element;
}

function randomInt(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] >>> 1;
}

function newId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  return Array.from(crypto.getRandomValues(new Uint8Array(21)), (byte) => alphabet[byte & 63]).join("");
}

function download(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function CanvasApp({ meta, scene }: { meta: Meta; scene: Scene }) {
  const theme = useTheme();
  const [cards, setCards] = useState<Record<string, Card>>(scene.cards);
  const excalidrawRef = useRef<ExcalidrawImperativeAPI | null>(null);
  const saverRef = useRef<Saver | null>(null);
  const uploading = useRef(new Set<string>());
  const host = useRef<HTMLDivElement>(null);
  const liveRef = useRef<LiveCanvas | null>(null);
  const [live, setLive] = useState(false);
  const [editable, setEditable] = useState(meta.editable);
  const editableRef = useRef(editable);
  editableRef.current = editable;

  const onApi = (excalidraw: ExcalidrawImperativeAPI) => {
    if (excalidrawRef.current) return;
    excalidrawRef.current = excalidraw;
    const addCards = (more: Record<string, Card>) => setCards((known) => ({ ...known, ...more }));
    const saver = new Saver(meta.id, excalidraw, scene, addCards);
    saverRef.current = saver;
    const connection = new LiveCanvas(meta.id, excalidraw, saver, scene.sequence, addCards, (state) => {
      setLive(state.live);
      if (state.writable !== undefined) setEditable(state.writable && !meta.archived);
      if (host.current) host.current.dataset.live = state.live ? "open" : "closed";
    });
    liveRef.current = connection;
    saver.attach(connection);
    connection.start();
    (window as unknown as { workosCanvas: unknown }).workosCanvas = { excalidraw, saver, live: connection };
    void loadImages(excalidraw, scene.elements as ExcalidrawElement[]);
  };

  const insertCard = (kind: "page" | "database", id: number, clientX?: number, clientY?: number) => {
    const excalidraw = excalidrawRef.current;
    if (!excalidraw || !editableRef.current) return;
    const state = excalidraw.getAppState();
    const rect = host.current!.getBoundingClientRect();
    const point = viewportCoordsToSceneCoords(
      { clientX: clientX ?? rect.left + rect.width / 2 - 160, clientY: clientY ?? rect.top + rect.height / 2 - 90 }, state);
    const element = cardElement(kind, id, point.x, point.y);
    excalidraw.updateScene({ elements: [...excalidraw.getSceneElementsIncludingDeleted(), element], captureUpdate: CaptureUpdateAction.IMMEDIATELY });
    saverRef.current?.schedule(0);
  };

  useEffect(() => {
    const element = host.current!;
    const over = (event: DragEvent) => {
      if (!editableRef.current || !event.dataTransfer?.types.includes(PAGE_MIME)) return;
      event.preventDefault();
      event.stopPropagation();
      event.dataTransfer.dropEffect = "move"; // what the sidebar allows (a card leaves the page where it is)
    };
    const drop = (event: DragEvent) => {
      const id = Number(event.dataTransfer?.getData(PAGE_MIME));
      if (!editableRef.current || !id) return;
      event.preventDefault();
      event.stopPropagation();
      insertCard("page", id, event.clientX, event.clientY);
    };
    const open = (event: MouseEvent) => {
      const excalidraw = excalidrawRef.current;
      if (!excalidraw) return;
      const selected = Object.keys(excalidraw.getAppState().selectedElementIds);
      const card = selected.length === 1 ? excalidraw.getSceneElements().find((e) => e.id === selected[0] && e.type === "embeddable") : undefined;
      const url = card ? cardsRef.current[card.id]?.url : null;
      if (url) {
        event.preventDefault();
        event.stopPropagation();
        window.location.assign(url);
      }
    };
    element.addEventListener("dragover", over, true);
    element.addEventListener("drop", drop, true);
    element.addEventListener("dblclick", open, true);
    const insertButton = document.querySelector<HTMLElement>("[data-action=insert-card]");
    const onInsert = () => insertDialog((kind, id) => insertCard(kind, id));
    insertButton?.addEventListener("click", onInsert);
    const exportAs = async (type: "png" | "svg") => {
      const excalidraw = excalidrawRef.current;
      if (!excalidraw) return;
      const selected = excalidraw.getAppState().selectedElementIds;
      const all = excalidraw.getSceneElements();
      const elements = Object.keys(selected).length ? all.filter((e) => selected[e.id]) : all;
      const options = { elements, appState: { ...excalidraw.getAppState(), exportBackground: true }, files: excalidraw.getFiles() };
      const name = (meta.title || "canvas").replace(/[^\p{L}\p{N} _-]+/gu, "").trim() || "canvas";
      if (type === "png") download(await exportToBlob({ ...options, mimeType: "image/png" }), `${name}.png`);
      else download(new Blob([(await exportToSvg(options)).outerHTML], { type: "image/svg+xml" }), `${name}.svg`);
    };
    const png = () => void exportAs("png");
    const svg = () => void exportAs("svg");
    document.querySelector("[data-action=export-png]")?.addEventListener("click", png);
    document.querySelector("[data-action=export-svg]")?.addEventListener("click", svg);
    const leave = () => saverRef.current?.flush(true);
    window.addEventListener("pagehide", leave);
    return () => {
      element.removeEventListener("dragover", over, true);
      element.removeEventListener("drop", drop, true);
      element.removeEventListener("dblclick", open, true);
      insertButton?.removeEventListener("click", onInsert);
      window.removeEventListener("pagehide", leave);
    };
  }, []);

  const cardsRef = useRef(cards);
  cardsRef.current = cards;

  return (
    <div className="canvas-excalidraw" ref={host} data-testid="canvas-excalidraw">
      <Excalidraw
        excalidrawAPI={onApi}
        initialData={{
          elements: scene.elements as ExcalidrawElement[],
          appState: { viewBackgroundColor: meta.viewport.viewBackgroundColor, scrollX: meta.viewport.scrollX ?? 0, scrollY: meta.viewport.scrollY ?? 0 },
          scrollToContent: meta.viewport.scrollX === undefined,
        }}
        theme={theme}
        viewModeEnabled={!editable}
        isCollaborating={live}
        onPointerUpdate={({ pointer, button }) => liveRef.current?.pointer(pointer, button)}
        name={meta.title}
        validateEmbeddable={(link: string) => /^\/web\/(pages|databases)\/\d+$/.test(link)}
        renderEmbeddable={(element) => <CardView card={cards[element.id]} />}
        onChange={() => {
          const excalidraw = excalidrawRef.current;
          if (!excalidraw || !editableRef.current) return;
          void uploadImages(excalidraw, meta.page_id, uploading.current);
          saverRef.current?.schedule();
        }}
        UIOptions={{ canvasActions: { loadScene: false, saveToActiveFile: false, export: { saveFileToDisk: true } } }}
      />
    </div>
  );
}

const meta = embeddedJson<Meta>("workos-canvas-meta");
const scene = embeddedJson<Scene>("workos-canvas-scene");
const mount = document.getElementById("workos-canvas-host");
if (meta && scene && mount) createRoot(mount).render(<CanvasApp meta={meta} scene={scene} />);
