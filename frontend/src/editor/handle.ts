// The block handle: a "⋮⋮" grip left of the block under the pointer. Dragging it moves the block (ProseMirror
// does the move on drop, as for any drag of a node selection); clicking it opens the block menu.

import { Editor, Extension } from "@tiptap/core";
import type { Node as PMNode } from "@tiptap/pm/model";
import { NodeSelection, Plugin, PluginKey } from "@tiptap/pm/state";
import type { EditorView } from "@tiptap/pm/view";
import { INSERTED_TYPES, deleteBlock, duplicateBlock, moveBlock, selectBlock, turnInto } from "./commands";
import { CALLOUT_COLOR_NAMES } from "./convert";
import { openPopover } from "./pickers";
import { BLOCK_CHOICES } from "./slash";
import { addTableColumn, addTableRow, removeTableColumn, removeTableRow, setTableHeader } from "./table";

const ITEM_TAGS = new Set(["LI"]);
const ITEM_TYPES = new Set(["listItem", "taskItem"]);
const LIST_TYPES = new Set(["bulletList", "orderedList", "taskList"]);

interface DropTarget {
  pos: number; // where the dragged block goes
  rect: DOMRect; // the block it goes before or after, for the indicator
  before: boolean;
}

/**
 * Where a block dropped at (x, y) goes, decided by the vertical position as in Notion: the upper part of the
 * block under the pointer puts it before that block, the rest after it. A list item only goes into a list; any
 * other block dropped on a list item goes before or after the whole list.
 */
function dropTarget(view: EditorView, x: number, y: number, dragged: PMNode): DropTarget | null {
  const element = blockElementAt(view, x, y);
  if (!element) return null;
  let pos = positionOf(view, element);
  if (pos === null) return null;
  let node = view.state.doc.nodeAt(pos)!;
  let rect = element.getBoundingClientRect();
  const lineHeight = parseFloat(getComputedStyle(element).lineHeight) || 24;
  let before = y < rect.top + Math.min(rect.height / 2, lineHeight * 0.75);
  const $pos = view.state.doc.resolve(pos);
  if (ITEM_TYPES.has(node.type.name) && !ITEM_TYPES.has(dragged.type.name)) {
    const list = $pos.parent;
    before = before && $pos.index() === 0;
    pos = $pos.before();
    node = list;
    const listDom = view.nodeDOM(pos) as HTMLElement | null;
    if (listDom) rect = listDom.getBoundingClientRect();
  }
  return { pos: before ? pos : pos + node.nodeSize, rect, before };
}

/** Move the block at `from` to `target` in one transaction (one undo step). */
function moveBlockTo(view: EditorView, from: number, target: number): void {
  const { state } = view;
  const node = state.doc.nodeAt(from);
  if (!node) return;
  const $from = state.doc.resolve(from);
  let start = from;
  let end = from + node.nodeSize;
  // The only item of a list takes its list along; an item lands in a list of its own kind when needed.
  if (LIST_TYPES.has($from.parent.type.name) && $from.parent.childCount === 1) {
    start = $from.before();
    end = $from.after();
  }
  if (target >= start && target <= end) return;
  const $target = state.doc.resolve(target);
  let content: PMNode = node;
  if (ITEM_TYPES.has(node.type.name) && !$target.parent.type.contentMatch.matchType(node.type)) {
    content = $from.parent.type.create($from.parent.attrs, node);
  }
  const tr = state.tr.delete(start, end);
  const at = tr.mapping.map(target);
  tr.insert(at, content);
  tr.setSelection(NodeSelection.create(tr.doc, at));
  view.dispatch(tr.scrollIntoView());
}

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
    for (const choice of BLOCK_CHOICES.filter((c) => !INSERTED_TYPES.includes(c.key))) {
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
  if (node.type.name === "table") {
    const heading = document.createElement("div");
    heading.className = "slash-group";
    heading.textContent = "Table";
    box.append(heading);
    const mark = (on: boolean) => (on ? "✓ " : "    ");
    action(mark(node.attrs.headerRow) + "Header row", () => setTableHeader(editor, pos, "headerRow", !node.attrs.headerRow));
    action(mark(node.attrs.headerColumn) + "Header column", () => setTableHeader(editor, pos, "headerColumn", !node.attrs.headerColumn));
    action("Add row", () => addTableRow(editor, pos), "Tab in the last cell");
    action("Add column", () => addTableColumn(editor, pos));
    action("Delete last row", () => removeTableRow(editor, pos));
    action("Delete last column", () => removeTableColumn(editor, pos));
  }
  close = openPopover(anchor, box, { label: "Block actions", returnFocus: null, onClose: () => editor.view.focus() });
}

export const BlockHandle = Extension.create({
  name: "blockHandle",
  priority: 950, // its drop handling comes before the drop cursor's
  addProseMirrorPlugins() {
    const editor = this.editor;
    let dragging: { pos: number; node: PMNode } | null = null;
    let indicator: HTMLElement | null = null;
    const hideIndicator = () => indicator?.classList.remove("is-visible");
    return [
      new Plugin({
        key: new PluginKey("blockHandle"),
        props: {
          handleDOMEvents: {
            dragover(view, event) {
              if (!dragging || !indicator) return false;
              event.preventDefault();
              if (event.dataTransfer) event.dataTransfer.dropEffect = "move";
              const target = dropTarget(view, event.clientX, event.clientY, dragging.node);
              if (!target) {
                hideIndicator();
                return true;
              }
              const hostRect = indicator.parentElement!.getBoundingClientRect();
              indicator.style.top = (target.before ? target.rect.top : target.rect.bottom) - hostRect.top - 2 + "px";
              indicator.style.left = target.rect.left - hostRect.left + "px";
              indicator.style.width = target.rect.width + "px";
              indicator.classList.add("is-visible");
              return true;
            },
          },
          handleDrop(view, event) {
            if (!dragging) return false;
            const source = dragging;
            dragging = null;
            hideIndicator();
            view.dragging = null;
            event.preventDefault();
            const target = dropTarget(view, event.clientX, event.clientY, source.node);
            if (target && view.state.doc.nodeAt(source.pos) === source.node) moveBlockTo(view, source.pos, target.pos);
            return true;
          },
        },
        view(view) {
          const host = (view.dom as HTMLElement).parentElement!;
          const handle = document.createElement("div");
          handle.className = "block-handle";
          handle.draggable = true;
          handle.title = "Drag to move · click for actions";
          handle.setAttribute("aria-hidden", "true");
          handle.textContent = "⋮⋮";
          host.append(handle);
          indicator = document.createElement("div");
          indicator.className = "drop-indicator";
          host.append(indicator);
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
            dragging = { pos, node: selection.node };
            host.classList.add("is-dragging");
          });
          handle.addEventListener("dragend", () => {
            view.dragging = null;
            dragging = null;
            hideIndicator();
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
              indicator?.remove();
            },
          };
        },
      }),
    ];
  },
});
