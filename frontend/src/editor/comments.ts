// Inline comments in the editor: the `comment` mark (attribute `threadId`) that anchors a thread to a range of
// text, stored in the Yjs document and in the blocks' rich text (span key `comment`), so it follows the text
// through every edit, reload and collaborator. The comments island (src/collab) owns the threads; the two talk
// through document events:
//   editor -> island  "workos:comment-start" {blockId, start, end, text, quote, marksItself, mark(threadId)}
//                     "workos:comment-open"  {threadId}          (a click on highlighted text)
//   island -> editor  "workos:comment-threads" {closed: [ids], active: id | null}  (resolved or deleted threads
//                     lose their highlight; the thread shown in the side panel is emphasised)
// Someone who may comment but not edit selects text in the read-only editor the same way; the server then
// writes the mark (POST /comments without mark_text: false) and it reaches every editor through Yjs.

import { type Editor, Mark } from "@tiptap/core";
import type { Node as PMNode } from "@tiptap/pm/model";
import { Plugin, PluginKey } from "@tiptap/pm/state";
import { Decoration, DecorationSet } from "@tiptap/pm/view";

export interface CommentStart {
  blockId: string;
  start: number;
  end: number;
  text?: string;
  quote: string;
  marksItself: boolean;
  /** Mark the commented text with the new thread (when the editor marks it itself). */
  mark: (threadId: number) => boolean;
  /** Resolves once the server has this editor's edits (the anchor's offsets are about the saved text). */
  saved: () => Promise<void>;
}

interface ThreadState {
  closed: Set<number>;
  active: number | null;
}

const threadsKey = new PluginKey<ThreadState>("commentThreads");

function latestThreads(): ThreadState {
  const known = (window as any).workosCommentThreads as { closed?: number[]; active?: number | null } | undefined;
  return { closed: new Set(known?.closed ?? []), active: known?.active ?? null };
}

function decorations(doc: PMNode, threads: ThreadState): DecorationSet {
  const found: Decoration[] = [];
  doc.descendants((node, pos) => {
    if (!node.isText) return true;
    const mark = node.marks.find((m) => m.type.name === "comment");
    const id = Number(mark?.attrs.threadId);
    if (mark && Number.isInteger(id) && !threads.closed.has(id)) {
      found.push(Decoration.inline(pos, pos + node.nodeSize, {
        class: "comment-highlight" + (threads.active === id ? " is-active" : ""),
        "data-thread": String(id),
      }));
    }
    return false;
  });
  return DecorationSet.create(doc, found);
}

export const CommentMark = Mark.create({
  name: "comment",
  // typing at either end of the commented words does not join the thread's anchor
  inclusive: false,
  // a mark of this kind excludes itself: one thread per character, a newer thread over the same words takes them
  addAttributes() {
    return {
      threadId: {
        default: null,
        renderHTML: (attrs: Record<string, unknown>) => (attrs.threadId ? { "data-comment-thread": String(attrs.threadId) } : {}),
      },
    };
  },
  // Not parsed from HTML: a copied anchor pasted elsewhere would tie other text to the thread.
  parseHTML: () => [],
  renderHTML: ({ HTMLAttributes }) => ["span", { ...HTMLAttributes, class: "comment-anchor" }, 0],
  addProseMirrorPlugins() {
    return [
      new Plugin<ThreadState>({
        key: threadsKey,
        state: {
          init: () => latestThreads(),
          apply: (tr, value) => tr.getMeta(threadsKey) ?? value,
        },
        props: {
          decorations(state) {
            return decorations(state.doc, threadsKey.getState(state)!);
          },
          handleClick(view, pos) {
            const $pos = view.state.doc.resolve(pos);
            const marks = [...(view.state.doc.nodeAt(pos)?.marks ?? []), ...$pos.marks()];
            const mark = marks.find((m) => m.type.name === "comment");
            const id = Number(mark?.attrs.threadId);
            // (called for a click, not for the end of a drag that selects text; before the caret moves there)
            if (!mark || !Number.isInteger(id)) return false;
            document.dispatchEvent(new CustomEvent("workos:comment-open", { detail: { threadId: id } }));
            return false;
          },
        },
      }),
    ];
  },
});

/** The block a textblock's text belongs to: a list item's first paragraph and a toggle's summary are the text
 * of their list item or toggle (see convert.ts). */
function blockOf(editor: Editor, from: number): { id: string; textblock: PMNode; contentStart: number } | null {
  const $from = editor.state.doc.resolve(from);
  const depth = $from.depth;
  const textblock = $from.parent;
  if (!textblock.isTextblock || textblock.type.spec.code) return null;
  let owner: PMNode = textblock;
  if (depth >= 2) {
    const parent = $from.node(depth - 1);
    if (["listItem", "taskItem"].includes(parent.type.name) && $from.index(depth - 1) === 0) owner = parent;
    if (textblock.type.name === "toggleSummary") owner = parent;
  }
  const id = owner.attrs.blockId;
  return typeof id === "string" && id ? { id, textblock, contentStart: $from.start(depth) } : null;
}

/** Characters of the block's plain text before each inline child (text 1:1, a line break 1, a mention its label). */
function plainLength(node: PMNode): number {
  if (node.isText) return node.text!.length;
  if (node.type.name === "hardBreak") return 1;
  if (node.type.name === "mention") return String(node.attrs.label ?? "").length;
  return 0;
}

function offsetAt(textblock: PMNode, contentStart: number, pos: number): { offset: number; exact: boolean } {
  let offset = 0;
  let exact = true;
  textblock.forEach((child, childOffset) => {
    const at = contentStart + childOffset;
    if (at + child.nodeSize <= pos) {
      offset += plainLength(child);
      if (child.type.name === "mention") exact = false;
    } else if (at < pos && child.isText) {
      offset += pos - at;
    }
  });
  return { offset, exact };
}

function positionAt(textblock: PMNode, contentStart: number, offset: number): number {
  let left = offset;
  let result = contentStart + textblock.content.size;
  let done = false;
  textblock.forEach((child, childOffset) => {
    if (done) return;
    const length = plainLength(child);
    if (left <= length && child.isText) {
      result = contentStart + childOffset + left;
      done = true;
      return;
    }
    if (left < length) {
      result = contentStart + childOffset + 1;
      done = true;
      return;
    }
    left -= length;
  });
  return result;
}

function findBlock(doc: PMNode, blockId: string): { textblock: PMNode; contentStart: number } | null {
  let found: { textblock: PMNode; contentStart: number } | null = null;
  doc.descendants((node, pos) => {
    if (found) return false;
    if (node.attrs?.blockId !== blockId) return true;
    if (node.isTextblock) found = { textblock: node, contentStart: pos + 1 };
    else if (node.firstChild?.isTextblock) found = { textblock: node.firstChild, contentStart: pos + 2 };
    return false;
  });
  return found;
}

/** What "Comment" needs from the current selection, or a reason it cannot comment there. */
export function commentTarget(editor: Editor, saved: () => Promise<void>): CommentStart | string {
  const { from, to, empty } = editor.state.selection;
  if (empty) return "Select the text to comment on first.";
  const $from = editor.state.doc.resolve(from);
  const $to = editor.state.doc.resolve(to);
  if (!$from.sameParent($to)) return "Comment on text within one block.";
  const block = blockOf(editor, from);
  if (!block) return "Comments anchor to text (not code or images).";
  const start = offsetAt(block.textblock, block.contentStart, from);
  const end = offsetAt(block.textblock, block.contentStart, to);
  if (end.offset <= start.offset) return "Select the text to comment on first.";
  const quote = editor.state.doc.textBetween(from, to, "\n", (leaf) => (leaf.type.name === "mention" ? String(leaf.attrs.label ?? "") : ""));
  const blockId = block.id;
  const marksItself = editor.isEditable;
  return {
    blockId,
    start: start.offset,
    end: end.offset,
    // the quoted text lets the server refuse an anchor on text that changed meanwhile (labels of mentions may
    // differ between this editor and the server, so then only the offsets are sent)
    text: end.exact ? quote : undefined,
    quote,
    marksItself,
    saved,
    mark: (threadId: number) => {
      const now = findBlock(editor.state.doc, blockId);
      if (!now) return false;
      const markFrom = positionAt(now.textblock, now.contentStart, start.offset);
      const markTo = positionAt(now.textblock, now.contentStart, end.offset);
      if (markTo <= markFrom) return false;
      const type = editor.schema.marks.comment;
      editor.view.dispatch(editor.state.tr.addMark(markFrom, markTo, type.create({ threadId })));
      return true;
    },
  };
}

/** Ask the comments island to start a thread on the selection (the bubble menu's "Comment", Ctrl/Cmd+Alt+M). */
export function startComment(editor: Editor, saved: () => Promise<void>): boolean {
  const target = commentTarget(editor, saved);
  document.dispatchEvent(new CustomEvent("workos:comment-start", { detail: typeof target === "string" ? { error: target } : target }));
  return typeof target !== "string";
}

/** May the viewer comment on this page? The comments island says so on its panel. */
export function canComment(): boolean {
  return document.querySelector<HTMLElement>("[data-collab-comments]")?.dataset.canComment === "true";
}

export function setupComments(editor: Editor, saved: () => Promise<void>) {
  document.addEventListener("workos:comment-threads", (event) => {
    const detail = (event as CustomEvent).detail as { closed: number[]; active: number | null };
    editor.view.dispatch(editor.state.tr.setMeta(threadsKey, { closed: new Set(detail.closed), active: detail.active }).setMeta("addToHistory", false));
  });
  document.addEventListener("keydown", (event) => {
    // Ctrl/Cmd+Alt+M, as in Google Docs and Notion (the key's code: Alt changes the character on macOS)
    if (!(event.ctrlKey || event.metaKey) || !event.altKey || event.code !== "KeyM") return;
    const selection = window.getSelection();
    if (!selection?.anchorNode || !editor.view.dom.contains(selection.anchorNode) || !canComment()) return;
    event.preventDefault();
    startComment(editor, saved);
  });
}
