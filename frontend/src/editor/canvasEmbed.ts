// The "canvas" block in the editor: a canvas embedded in the page as a read-only preview (canvas/embed.ts draws
// it, as the viewer may see it). "/canvas" makes a new canvas under this page and embeds it.
import { Node, mergeAttributes } from "@tiptap/core";
import type { Editor } from "@tiptap/core";

import { api } from "../lib/api";
import { renderCanvasEmbed } from "../canvas/embed";

export const CanvasBlock = Node.create({
  name: "canvasBlock",
  group: "block",
  atom: true,
  selectable: true,
  draggable: true,
  addAttributes() {
    return {
      canvasId: {
        default: null,
        parseHTML: (element: HTMLElement) => {
          const match = element.querySelector("a")?.getAttribute("href")?.match(/^\/web\/canvases\/(\d+)$/);
          return match ? Number(match[1]) : null;
        },
      },
    };
  },
  parseHTML() {
    return [{ tag: "div.canvas-embed" }];
  },
  renderHTML({ node, HTMLAttributes }) {
    const { canvasId, ...rest } = HTMLAttributes;
    const link = node.attrs.canvasId ? [["a", { href: `/web/canvases/${node.attrs.canvasId}` }, "Canvas"]] : [];
    return ["div", mergeAttributes(rest, { class: "canvas-embed" }), ...link] as never;
  },
  addNodeView() {
    return ({ node }) => {
      const dom = document.createElement("div");
      dom.contentEditable = "false";
      let shown: number | null = node.attrs.canvasId;
      if (node.attrs.blockId) dom.dataset.blockId = node.attrs.blockId;
      void renderCanvasEmbed(dom, shown);
      return {
        dom,
        update: (updated) => {
          if (updated.type.name !== "canvasBlock") return false;
          if (updated.attrs.canvasId !== shown) {
            shown = updated.attrs.canvasId;
            void renderCanvasEmbed(dom, shown);
          }
          return true;
        },
        ignoreMutation: () => true,
        stopEvent: () => false,
      };
    };
  },
});

/** A new canvas under the page being edited, embedded where the caret is. */
export async function insertNewCanvas(editor: Editor, insert: (attrs: { canvasId: number }) => void): Promise<void> {
  const pageId = (editor.storage as unknown as { workosPage?: { pageId: number } }).workosPage?.pageId;
  if (!pageId) return;
  const canvas = await api<{ id: number }>("POST", "/canvases", { parent_id: pageId, title: "Canvas" });
  insert({ canvasId: canvas.id });
}
