// Block-level commands shared by the slash menu, the block menu and the keyboard: find the block at the
// cursor, turn it into another type, move, duplicate or delete it.

import type { Editor, Range } from "@tiptap/core";
import { Fragment, type Node as PMNode, type ResolvedPos } from "@tiptap/pm/model";
import { type EditorState, NodeSelection, TextSelection } from "@tiptap/pm/state";
import { newTable } from "./table";
import { insertNewCanvas } from "./canvasEmbed";

export type BlockType =
  | "paragraph" | "heading_1" | "heading_2" | "heading_3" | "bulleted_list" | "numbered_list" | "todo"
  | "toggle" | "divider" | "quote" | "callout" | "image" | "file" | "code" | "table" | "equation" | "canvas";

/** Block types inserted as a new block beside the text (not made from it). */
export const INSERTED_TYPES: BlockType[] = ["divider", "image", "file", "table", "equation", "canvas"];

const ITEM_TYPES = new Set(["listItem", "taskItem"]);
const LIST_TYPES = new Set(["bulletList", "orderedList", "taskList"]);

export interface FoundBlock {
  pos: number;
  node: PMNode;
  depth: number;
  parent: PMNode;
  index: number;
}

/** Is the node at `depth` of `$pos` a block of the page (something with a handle)? */
function isBlockAt($pos: ResolvedPos, depth: number): boolean {
  const node = $pos.node(depth);
  if (ITEM_TYPES.has(node.type.name)) return true;
  if (LIST_TYPES.has(node.type.name) || node.type.name === "toggleSummary") return false;
  const parent = $pos.node(depth - 1);
  if (parent.type.name === "doc" || parent.type.name === "toggle") return true;
  return ITEM_TYPES.has(parent.type.name) && $pos.index(depth - 1) > 0;
}

/** The innermost block around the selection. */
export function blockAtSelection(state: EditorState): FoundBlock | null {
  const selection = state.selection;
  if (selection instanceof NodeSelection && selection.node.isBlock) {
    const $pos = selection.$from;
    return { pos: selection.from, node: selection.node, depth: $pos.depth + 1, parent: $pos.parent, index: $pos.index() };
  }
  const $from = selection.$from;
  for (let depth = $from.depth; depth > 0; depth--) {
    if (isBlockAt($from, depth)) {
      return { pos: $from.before(depth), node: $from.node(depth), depth, parent: $from.node(depth - 1), index: $from.index(depth - 1) };
    }
  }
  return null;
}

function itemTypeAround(state: EditorState): string | null {
  const { $from } = state.selection;
  for (let depth = $from.depth; depth > 0; depth--) {
    const name = $from.node(depth).type.name;
    if (ITEM_TYPES.has(name)) return name;
  }
  return null;
}

function listTypeAround(state: EditorState): string | null {
  const { $from } = state.selection;
  for (let depth = $from.depth; depth > 0; depth--) {
    const name = $from.node(depth).type.name;
    if (LIST_TYPES.has(name)) return name;
  }
  return null;
}

/** Lift the text block out of every list around it. */
function liftOutOfLists(editor: Editor) {
  for (let guard = 0; guard < 20; guard++) {
    const item = itemTypeAround(editor.state);
    if (!item || !editor.commands.liftListItem(item)) return;
  }
}

/** Replace the toggle around the cursor by its summary as a paragraph, its children following it. */
export function unwrapToggle(editor: Editor): boolean {
  const { $from } = editor.state.selection;
  if ($from.parent.type.name !== "toggleSummary") return false;
  const togglePos = $from.before($from.depth - 1);
  const toggle = $from.node($from.depth - 1);
  const paragraph = editor.schema.nodes.paragraph.create(null, $from.parent.content);
  const children: PMNode[] = [];
  toggle.forEach((child, _offset, index) => {
    if (index > 0) children.push(child);
  });
  const offset = $from.parentOffset;
  const tr = editor.state.tr.replaceWith(togglePos, togglePos + toggle.nodeSize, Fragment.from([paragraph, ...children]));
  tr.setSelection(TextSelection.create(tr.doc, togglePos + 1 + offset));
  editor.view.dispatch(tr);
  return true;
}

/** Wrap the current text block into a toggle whose summary is that text. */
function wrapInToggle(editor: Editor): boolean {
  const { state } = editor;
  const { $from } = state.selection;
  const textblock = $from.parent;
  if (!textblock.isTextblock || textblock.type.name === "codeBlock") return false;
  const start = $from.before();
  const schema = state.schema;
  const summary = schema.nodes.toggleSummary.create(null, textblock.content);
  const toggle = schema.nodes.toggle.create({ collapsed: false }, [summary]);
  const offset = $from.parentOffset;
  const tr = state.tr.replaceWith(start, start + textblock.nodeSize, toggle);
  tr.setSelection(TextSelection.create(tr.doc, start + 2 + offset));
  editor.view.dispatch(tr);
  return true;
}

/** Insert a leaf block (divider, image, file) in place of an empty paragraph, or after the current block. */
function insertLeaf(editor: Editor, type: string | PMNode, attrs: Record<string, unknown> = {}): number | null {
  const { state } = editor;
  const { $from } = state.selection;
  const node = typeof type === "string" ? state.schema.nodes[type].create(attrs) : type;
  const empty = $from.parent.isTextblock && $from.parent.content.size === 0 && $from.parent.type.name === "paragraph";
  let tr = state.tr;
  let at: number;
  if (empty && $from.depth >= 1 && !ITEM_TYPES.has($from.node($from.depth - 1).type.name)) {
    at = $from.before();
    tr = tr.replaceWith(at, $from.after(), node);
  } else {
    const block = blockAtSelection(state);
    at = block ? block.pos + block.node.nodeSize : $from.after();
    tr = tr.insert(at, node);
  }
  const after = at + node.nodeSize;
  const next = tr.doc.resolve(after).nodeAfter;
  if (!next || !next.isTextblock) tr = tr.insert(after, state.schema.nodes.paragraph.create());
  if (type === "horizontalRule") tr.setSelection(TextSelection.create(tr.doc, after + 1));
  else if (node.type.name === "table") tr.setSelection(TextSelection.near(tr.doc.resolve(at + 1)));
  else tr.setSelection(NodeSelection.create(tr.doc, at));
  editor.view.dispatch(tr.scrollIntoView());
  return at;
}

/** Turn the block at the cursor into `type` (what the slash menu and "Turn into" do). */
export function turnInto(editor: Editor, type: BlockType): boolean {
  const list = listTypeAround(editor.state);
  const wanted: Record<string, string> = { bulleted_list: "bulletList", numbered_list: "orderedList", todo: "taskList" };
  if (wanted[type] && list === wanted[type]) return true;
  if (editor.state.selection.$from.parent.type.name === "toggleSummary") {
    if (type === "toggle") return true;
    unwrapToggle(editor);
  }
  if (!INSERTED_TYPES.includes(type)) liftOutOfLists(editor);
  const chain = () => editor.chain().focus();
  switch (type) {
    case "paragraph":
      return chain().setNode("paragraph").run();
    case "heading_1":
    case "heading_2":
    case "heading_3":
      return chain().setNode("heading", { level: Number(type.slice(-1)) }).run();
    case "bulleted_list":
      return chain().setNode("paragraph").toggleBulletList().run();
    case "numbered_list":
      return chain().setNode("paragraph").toggleOrderedList().run();
    case "todo":
      return chain().setNode("paragraph").toggleTaskList().run();
    case "quote":
      return chain().setNode("quote").run();
    case "callout":
      return chain().setNode("callout").run();
    case "code":
      return chain().setNode("codeBlock").run();
    case "toggle":
      editor.chain().focus().setNode("paragraph").run();
      return wrapInToggle(editor);
    case "divider":
      return insertLeaf(editor, "horizontalRule") !== null;
    case "table":
      return insertLeaf(editor, newTable(editor)) !== null;
    case "equation":
      return insertLeaf(editor, "equationBlock") !== null;
    case "canvas":
      void insertNewCanvas(editor, (attrs) => insertLeaf(editor, "canvasBlock", attrs));
      return true;
    case "image":
    case "file": {
      const pos = insertLeaf(editor, type === "image" ? "image" : "fileBlock");
      if (pos !== null) {
        // Put the keyboard in the new block's link field, so adding media needs no mouse.
        requestAnimationFrame(() => {
          const dom = editor.view.nodeDOM(pos) as HTMLElement | null;
          dom?.querySelector<HTMLInputElement>("input[type=url]")?.focus();
        });
      }
      return pos !== null;
    }
  }
  return false;
}

export function runSlashCommand(editor: Editor, range: Range, type: BlockType) {
  editor.chain().focus().deleteRange(range).run();
  turnInto(editor, type);
}

/** Move the block at the cursor one place up or down among its siblings (Mod-Shift-Arrow). */
export function moveBlock(editor: Editor, direction: -1 | 1): boolean {
  const { state } = editor;
  const block = blockAtSelection(state);
  if (!block) return false;
  const { pos, node, parent, index } = block;
  const target = index + direction;
  const firstMovable = parent.type.name === "toggle" || ITEM_TYPES.has(parent.type.name) ? 1 : 0;
  if (ITEM_TYPES.has(node.type.name) ? target < 0 : target < firstMovable) return true;
  if (target >= parent.childCount) return true;
  const sibling = parent.child(target);
  const selectionOffset = state.selection.from - pos;
  const isNodeSelection = state.selection instanceof NodeSelection;
  let tr = state.tr.delete(pos, pos + node.nodeSize);
  const insertAt = direction < 0 ? pos - sibling.nodeSize : pos + sibling.nodeSize;
  tr = tr.insert(insertAt, node);
  const selectionAt = insertAt + selectionOffset;
  tr.setSelection(isNodeSelection ? NodeSelection.create(tr.doc, insertAt) : TextSelection.create(tr.doc, selectionAt));
  editor.view.dispatch(tr.scrollIntoView());
  return true;
}

export function duplicateBlock(editor: Editor, pos: number): void {
  const node = editor.state.doc.nodeAt(pos);
  if (!node) return;
  // The copy gets fresh ids from the BlockId plugin (ids must stay unique).
  editor.view.dispatch(editor.state.tr.insert(pos + node.nodeSize, node.copy(node.content)));
}

export function deleteBlock(editor: Editor, pos: number): void {
  const node = editor.state.doc.nodeAt(pos);
  if (!node) return;
  const $pos = editor.state.doc.resolve(pos);
  const parent = $pos.parent;
  let from = pos;
  let to = pos + node.nodeSize;
  // The last item of a list takes its list with it.
  if (LIST_TYPES.has(parent.type.name) && parent.childCount === 1) {
    from = $pos.before();
    to = $pos.after();
  }
  const tr = editor.state.tr.delete(from, to);
  if (tr.doc.content.size === 0) tr.insert(0, editor.schema.nodes.paragraph.create());
  tr.setSelection(TextSelection.near(tr.doc.resolve(Math.min(from, tr.doc.content.size))));
  editor.view.dispatch(tr);
  editor.view.focus();
}

/** Place the cursor inside the block at `pos` (used after choosing it from the block menu). */
export function selectBlock(editor: Editor, pos: number) {
  const node = editor.state.doc.nodeAt(pos);
  if (!node) return;
  const tr = editor.state.tr;
  if (node.isTextblock || node.firstChild?.isTextblock) tr.setSelection(TextSelection.near(tr.doc.resolve(pos + 1)));
  else tr.setSelection(NodeSelection.create(tr.doc, pos));
  editor.view.dispatch(tr);
}
