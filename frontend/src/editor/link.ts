// Mod-K: add, change or remove the link of the selected text from the keyboard.

import type { Editor } from "@tiptap/core";
import { openPopover } from "./pickers";

export function setupLinkShortcut(editor: Editor) {
  editor.view.dom.addEventListener("keydown", (event) => {
    if (!(event.key === "k" && (event.metaKey || event.ctrlKey)) || !editor.isEditable) return;
    event.preventDefault();
    openLinkEditor(editor);
  });
}

export function openLinkEditor(editor: Editor) {
  (editor.view as any).domObserver?.flush?.(); // the selection the user sees, even if it changed a moment ago
  if (editor.isActive("link")) editor.chain().extendMarkRange("link").run();
  const { from, to } = editor.state.selection;
  if (from === to) return;
  const coords = editor.view.coordsAtPos(from);
  const anchor = document.createElement("span");
  anchor.className = "link-anchor";
  anchor.style.top = coords.bottom + window.scrollY + "px";
  anchor.style.left = coords.left + window.scrollX + "px";
  document.body.append(anchor);
  const form = document.createElement("form");
  form.noValidate = true; // our own checks, with our own messages (a link without https:// is fine)
  form.className = "link-form";
  const input = document.createElement("input");
  input.type = "url";
  input.placeholder = "Paste a link…";
  input.setAttribute("aria-label", "Link");
  input.value = editor.getAttributes("link").href ?? "";
  const apply = document.createElement("button");
  apply.type = "submit";
  apply.className = "button";
  apply.textContent = "Link";
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "button subtle";
  remove.textContent = "Remove";
  form.append(input, apply, remove);
  const close = openPopover(anchor, form, { label: "Edit link", returnFocus: null, onClose: () => { anchor.remove(); editor.view.focus(); } });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    let href = input.value.trim();
    if (href && !/^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith("/")) href = "https://" + href;
    if (href && !/^(https?:|mailto:|\/)/i.test(href)) return; // never javascript: and friends
    if (href) editor.chain().setTextSelection({ from, to }).setLink({ href }).run();
    else editor.chain().setTextSelection({ from, to }).unsetLink().run();
    close();
  });
  remove.addEventListener("click", () => {
    editor.chain().setTextSelection({ from, to }).unsetLink().run();
    close();
  });
}
