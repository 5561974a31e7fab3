// The block handle: a "⋮⋮" grip left of the block under the pointer. Dragging it moves the block (ProseMirror
// does the move on drop, as for any drag of a node selection); clicking it opens the block menu.

import { Editor, Extension } from "@tiptap/core";
import { NodeSelection, Plugin, PluginKey } from "@tiptap/pm/state";
import type { EditorView } from "@tiptap/pm/view";
import { deleteBlock, duplicateBlock, moveBlock, selectBlock, turnInto } from "./commands";
import { CALLOUT_COLOR_NAMES } from "./convert";
import { openPopover } from "./pickers";
import { BLOCK_CHOICES } from "./slash";

const ITEM_TAGS = new Set(["LI"]);

/** The DOM element of the block under the pointer's line, or null. */
function blockElementAt(view: EditorView, x: number, y: number): HTMLElement | null {
  const root = view.dom as HTMLElement;
  const rect = root.getBoundingClientRect();
  const probeX = Math.min(Math.max(x, rect.left + 48), rect.right - 8);
  let element = document.elementFromPoint(probeX, y) as HTMLElement | null;
  while (element && element !== root) {
    const parent = element.parentElement;
    if (!parent) return null;
    if (parent === root) return element;
    if (ITEM_TAGS.has(element.tagName) && root.contains(parent)) return element;
    if (parent.classList.contains("toggle-content") && !element.classList.contains("toggle-summary")) return element;
    element = parent;
  }
  return null;
}

function positionOf(view: EditorView, element: HTMLElement): number | null {
  const parent = element.parentElement;
  if (!parent) return null;
  const index = Array.prototype.indexOf.call(parent.childNodes, element);
  try {
    const pos = view.posAtDOM(parent, index);
    const node = view.state.doc.nodeAt(pos);
    if (!node || view.nodeDOM(pos) !== element) return null;
    return pos;
  } catch {
    return null;
  }
}

export function openBlockMenu(editor: Editor, anchor: HTMLElement, pos: number) {
  const node = editor.state.doc.nodeAt(pos);
  if (!node) return;
  const box = document.createElement("div");
  box.className = "block-menu";
  let close = () => {};
  const action = (label: string, run: () => void, hint = "") => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "menu-row";
    button.textContent = label;
    if (hint) {
      const small = document.createElement("span");
      small.className = "slash-hint";
      small.textContent = hint;
      button.append(small);
    }
    button.addEventListener("click", () => {
      close();
      run();
    });
    box.append(button);
  };
  action("Delete", () => deleteBlock(editor, pos), "Del");
  action("Duplicate", () => duplicateBlock(editor, pos));
  action("Move up", () => (selectBlock(editor, pos), moveBlock(editor, -1)), "Ctrl+Shift+↑");
  action("Move down", () => (selectBlock(editor, pos), moveBlock(editor, 1)), "Ctrl+Shift+↓");
  if (node.isTextblock || ["listItem", "taskItem", "toggle"].includes(node.type.name)) {
    const heading = document.createElement("div");
    heading.className = "slash-group";
    heading.textContent = "Turn into";
    box.append(heading);
    for (const choice of BLOCK_CHOICES.filter((c) => !["divider", "image", "file"].includes(c.key))) {
      action(`${choice.icon}  ${choice.title}`, () => {
        selectBlock(editor, pos);
        turnInto(editor, choice.key);
      });
    }
  }
  if (node.type.name === "callout") {
    const heading = document.createElement("div");
    heading.className = "slash-group";
    heading.textContent = "Colour";
    box.append(heading);
    for (const color of CALLOUT_COLOR_NAMES) {
      action(color[0].toUpperCase() + color.slice(1), () => editor.view.dispatch(editor.state.tr.setNodeAttribute(pos, "color", color)));
    }
  }
  close = openPopover(anchor, box, { label: "Block actions", returnFocus: null, onClose: () => editor.view.focus() });
}

export const BlockHandle = Extension.create({
  name: "blockHandle",
  addProseMirrorPlugins() {
    const editor = this.editor;
    return [
      new Plugin({
        key: new PluginKey("blockHandle"),
        view(view) {
          const host = (view.dom as HTMLElement).parentElement!;
          const handle = document.createElement("div");
          handle.className = "block-handle";
          handle.draggable = true;
          handle.title = "Drag to move · click for actions";
          handle.setAttribute("aria-hidden", "true");
          handle.textContent = "⋮⋮";
          host.append(handle);
          let current: { pos: number; element: HTMLElement } | null = null;

          const hide = () => {
            handle.classList.remove("is-visible");
          };
          const show = (element: HTMLElement, pos: number) => {
            current = { pos, element };
            const hostRect = host.getBoundingClientRect();
            const rect = element.getBoundingClientRect();
            const style = getComputedStyle(element);
            const lineHeight = parseFloat(style.lineHeight) || 24;
            const firstLine = Math.min(rect.height, lineHeight + parseFloat(style.paddingTop || "0"));
            handle.style.top = rect.top - hostRect.top + firstLine / 2 - 12 + "px";
            const indent = element.tagName === "LI" ? 22 : 0;
            handle.style.left = rect.left - hostRect.left - 26 - indent + "px";
            handle.classList.add("is-visible");
          };
          const onMove = (event: MouseEvent) => {
            if (!editor.isEditable || event.target === handle) return;
            const element = blockElementAt(view, event.clientX, event.clientY);
            if (!element) return;
            const pos = positionOf(view, element);
            if (pos === null) return;
            show(element, pos);
          };
          const onLeave = (event: MouseEvent) => {
            if (event.relatedTarget instanceof HTMLElement && (event.relatedTarget === handle || host.contains(event.relatedTarget))) return;
            hide();
          };
          host.addEventListener("mousemove", onMove);
          host.addEventListener("mouseleave", onLeave);

          handle.addEventListener("dragstart", (event) => {
            if (!current || !event.dataTransfer) return;
            const pos = positionOf(view, current.element) ?? current.pos;
            const selection = NodeSelection.create(view.state.doc, pos);
            view.dispatch(view.state.tr.setSelection(selection));
            const slice = selection.content();
            const { dom, text } = view.serializeForClipboard(slice);
            event.dataTransfer.clearData();
            event.dataTransfer.setData("text/html", dom.innerHTML);
            event.dataTransfer.setData("text/plain", text);
            event.dataTransfer.effectAllowed = "copyMove";
            event.dataTransfer.setDragImage(current.element, 0, 0);
            view.dragging = { slice, move: true };
            host.classList.add("is-dragging");
          });
          handle.addEventListener("dragend", () => {
            view.dragging = null;
            host.classList.remove("is-dragging");
            hide();
          });
          handle.addEventListener("click", () => {
            if (!current) return;
            const pos = positionOf(view, current.element) ?? current.pos;
            openBlockMenu(editor, handle, pos);
          });
          return {
            update(updatedView, previous) {
              if (!updatedView.state.doc.eq(previous.doc)) hide();
            },
            destroy() {
              host.removeEventListener("mousemove", onMove);
              host.removeEventListener("mouseleave", onLeave);
              handle.remove();
            },
          };
        },
      }),
    ];
  },
});
