// A canvas embedded in a page (the "canvas" block): a read-only preview that links to the canvas. The page's HTML
// and document hold only the canvas id; what is shown is asked for here, as the viewer: the canvas's icon and
// title (GET /api/v1/canvases/{id}) and an SVG of its scene (GET /api/v1/canvases/{id}/preview.svg). A canvas the
// viewer cannot read answers 404, and the embed says "No access" — never its title. Light on purpose: no
// Excalidraw here, so pages with embeds load as fast as pages without.
import "./embed.css";
import { api, ApiError } from "../lib/api";

interface CanvasMeta {
  id: number;
  title: string;
  icon: string;
  url: string;
  archived_at: string | null;
}

export async function renderCanvasEmbed(host: HTMLElement, canvasId: number | null): Promise<void> {
  host.classList.add("canvas-embed");
  host.replaceChildren();
  if (!canvasId) {
    host.dataset.embedState = "empty";
    host.textContent = "Canvas";
    return;
  }
  host.dataset.embedState = "loading";
  let meta: CanvasMeta;
  try {
    meta = await api<CanvasMeta>("GET", `/canvases/${canvasId}`);
  } catch (error) {
    host.dataset.embedState = error instanceof ApiError && error.status < 500 ? "no-access" : "error";
    const message = document.createElement("span");
    message.className = "canvas-embed-message";
    message.textContent = host.dataset.embedState === "no-access" ? "No access" : "The canvas cannot be shown right now";
    host.replaceChildren(message);
    return;
  }
  const head = document.createElement("a");
  head.className = "canvas-embed-title";
  head.href = meta.url;
  head.textContent = `${meta.icon || "🎨"} ${meta.title || "Untitled canvas"}`;
  const preview = document.createElement("a");
  preview.className = "canvas-embed-preview";
  preview.href = meta.url;
  const image = document.createElement("img");
  image.src = `/api/v1/canvases/${canvasId}/preview.svg`;
  image.alt = `Preview of ${meta.title || "Untitled canvas"}`;
  image.loading = "lazy";
  preview.append(image);
  host.replaceChildren(head, preview);
  host.dataset.embedState = "open";
}

/** Fill the canvas embeds of server-rendered page HTML (their link names the canvas). */
export function renderCanvasEmbedsIn(root: ParentNode) {
  root.querySelectorAll<HTMLElement>("div.canvas-embed").forEach((element) => {
    const match = element.querySelector("a")?.getAttribute("href")?.match(/^\/web\/canvases\/(\d+)$/);
    void renderCanvasEmbed(element, match ? Number(match[1]) : null);
  });
}
