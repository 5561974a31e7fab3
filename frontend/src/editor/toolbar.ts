// The formatting toolbar over a text selection: bold, italic, underline, strike, code, link, and "Comment" (an
// inline comment thread on the selection). The same have keyboard shortcuts (Mod-B, Mod-I, Mod-U, Mod-Shift-S,
// Mod-E, Mod-K, Mod-Alt-M). Someone who may comment but not edit gets the bar with "Comment" alone.

import type { Editor } from "@tiptap/core";
import { NodeSelection } from "@tiptap/pm/state";
import { openLinkEditor } from "./link";
import { selectionToEquation } from "./math";

const BUTTONS: { mark: string; label: string; title: string; run: (editor: Editor) => void }[] = [
  { mark: "bold", label: "B", title: "Bold (Ctrl+B)", run: (e) => e.chain().focus().toggleBold().run() },
  { mark: "italic", label: "i", title: "Italic (Ctrl+I)", run: (e) => e.chain().focus().toggleItalic().run() },
  { mark: "underline", label: "U", title: "Underline (Ctrl+U)", run: (e) => e.chain().focus().toggleUnderline().run() },
  { mark: "strike", label: "S", title: "Strikethrough (Ctrl+Shift+S)", run: (e) => e.chain().focus().toggleStrike().run() },
  { mark: "code", label: "</>", title: "Code (Ctrl+E)", run: (e) => e.chain().focus().toggleCode().run() },
  { mark: "link", label: "Link", title: "Link (Ctrl+K)", run: (e) => openLinkEditor(e) },
  { mark: "inlineEquation", label: "√x", title: "Inline equation (or type $E=mc^2$)", run: (e) => selectionToEquation(e) },
];

export function setupToolbar(editor: Editor, comment?: { allowed: () => boolean; start: () => void }) {
  const bar = document.createElement("div");
  bar.className = "format-toolbar";
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Text formatting");
  bar.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
  const buttons = BUTTONS.map((spec) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "format-" + spec.mark;
    button.textContent = spec.label;
    button.title = spec.title;
    button.setAttribute("aria-label", spec.title);
    button.tabIndex = -1;
    button.addEventListener("click", () => {
      spec.run(editor);
      update();
    });
    bar.append(button);
    return { spec, button };
  });
  const commentButton = document.createElement("button");
  commentButton.type = "button";
  commentButton.className = "format-comment";
  commentButton.textContent = "Comment";
  commentButton.title = "Comment (Ctrl+Alt+M)";
  commentButton.setAttribute("aria-label", commentButton.title);
  commentButton.tabIndex = -1;
  commentButton.addEventListener("click", () => {
    hide();
    comment?.start();
  });
  if (comment) bar.append(commentButton);

  const hide = () => bar.remove();
  const selectionInEditor = () => {
    const selection = window.getSelection();
    return Boolean(selection?.anchorNode && editor.view.dom.contains(selection.anchorNode) && !selection.isCollapsed);
  };
  const update = () => {
    const { state, view } = editor;
    const { from, to, empty } = state.selection;
    const inCode = state.selection.$from.parent.type.spec.code;
    const mayComment = Boolean(comment?.allowed());
    if (empty || state.selection instanceof NodeSelection || inCode) return hide();
    if (editor.isEditable ? !view.hasFocus() : !mayComment || !selectionInEditor()) return hide();
    for (const { spec, button } of buttons) {
      button.hidden = !editor.isEditable;
      button.classList.toggle("is-active", editor.isActive(spec.mark));
    }
    commentButton.hidden = !mayComment;
    if (!bar.isConnected) document.body.append(bar);
    const start = view.coordsAtPos(from);
    const end = view.coordsAtPos(to);
    const left = Math.max(8, Math.min((start.left + end.left) / 2 - bar.offsetWidth / 2, window.innerWidth - bar.offsetWidth - 8));
    const top = Math.min(start.top, end.top) - bar.offsetHeight - 8;
    bar.style.left = left + window.scrollX + "px";
    bar.style.top = Math.max(4, top) + window.scrollY + "px";
  };
  editor.on("selectionUpdate", update);
  editor.on("transaction", () => {
    if (bar.isConnected) update();
  });
  editor.on("blur", ({ event }) => {
    if (!(event.relatedTarget instanceof Node && bar.contains(event.relatedTarget))) hide();
  });
  // A read-only editor never has focus: its bar follows the page's selection.
  document.addEventListener("selectionchange", () => {
    if (!editor.isEditable && !selectionInEditor()) hide();
  });
}
