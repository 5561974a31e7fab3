// The page header: cover, icon and title. Title edits go through autosave with the blocks; icon and cover are
// saved when picked. Every change is announced as a "workos:page-updated" event for the sidebar and breadcrumbs.

import { ApiError, api } from "../lib/api";
import { openCoverPicker, openEmojiPicker, paintCover } from "./pickers";

export interface PageMeta {
  id: number;
  title: string;
  icon: string;
  cover_url: string;
  editable: boolean;
  archived: boolean;
  workspace_id: number;
  space_id: number;
  /** The viewer, as others on the page see them (live carets and avatars). */
  user?: { id: number; name: string };
}

export function announce(meta: PageMeta) {
  const crumb = document.querySelector<HTMLElement>("[data-current-crumb]");
  const crumbTitle = crumb?.querySelector<HTMLElement>(".crumb-title");
  if (crumbTitle) crumbTitle.textContent = meta.title.trim() || "Untitled";
  const crumbIcon = crumb?.querySelector<HTMLElement>(".crumb-icon");
  if (crumbIcon) crumbIcon.textContent = meta.icon;
  document.dispatchEvent(new CustomEvent("workos:page-updated", { detail: { id: meta.id, title: meta.title, icon: meta.icon } }));
}

function autosize(textarea: HTMLTextAreaElement) {
  textarea.style.height = "auto";
  textarea.style.height = textarea.scrollHeight + "px";
}

export interface Header {
  title: HTMLTextAreaElement;
  focusTitleEnd(): void;
}

export function setupHeader(root: HTMLElement, meta: PageMeta, hooks: { titleChanged: () => void; focusEditor: () => void; error: (message: string) => void }): Header {
  const cover = root.querySelector<HTMLElement>(".page-cover")!;
  const iconButton = root.querySelector<HTMLButtonElement>(".page-icon")!;
  const addIcon = root.querySelector<HTMLButtonElement>("[data-action=add-icon]")!;
  const addCover = root.querySelector<HTMLButtonElement>("[data-action=add-cover]")!;
  const changeCover = root.querySelector<HTMLButtonElement>("[data-action=change-cover]")!;
  const title = root.querySelector<HTMLTextAreaElement>(".page-title")!;

  const paint = () => {
    iconButton.hidden = !meta.icon;
    iconButton.textContent = meta.icon;
    addIcon.hidden = !!meta.icon || !meta.editable;
    cover.hidden = !meta.cover_url;
    paintCover(cover, meta.cover_url);
    addCover.hidden = !!meta.cover_url || !meta.editable;
    changeCover.hidden = !meta.cover_url || !meta.editable;
    root.classList.toggle("has-cover", !!meta.cover_url);
    root.classList.toggle("has-icon", !!meta.icon);
  };
  paint();

  const save = async (fields: Partial<PageMeta>) => {
    try {
      await api("PATCH", `/pages/${meta.id}`, fields);
    } catch (error) {
      hooks.error(error instanceof ApiError ? error.message : "Could not save the page header");
    }
  };

  const pickIcon = (anchor: HTMLElement) => {
    if (!meta.editable) return;
    openEmojiPicker(anchor, {
      onPick: (emoji) => {
        meta.icon = emoji;
        paint();
        announce(meta);
        void save({ icon: emoji });
        (emoji ? iconButton : addIcon).focus();
      },
    });
  };
  iconButton.addEventListener("click", () => pickIcon(iconButton));
  addIcon.addEventListener("click", () => pickIcon(addIcon));

  const pickCover = (anchor: HTMLElement) => {
    openCoverPicker(anchor, {
      onPick: (value) => {
        meta.cover_url = value;
        paint();
        void save({ cover_url: value });
        (value ? changeCover : addCover).focus();
      },
    });
  };
  addCover.addEventListener("click", () => pickCover(addCover));
  changeCover.addEventListener("click", () => pickCover(changeCover));

  title.readOnly = !meta.editable;
  autosize(title);
  window.addEventListener("resize", () => autosize(title));
  title.addEventListener("input", () => {
    // A title is one line: pasted line breaks become spaces.
    if (/[\r\n]/.test(title.value)) {
      const caret = title.selectionStart;
      title.value = title.value.replace(/[\r\n]+/g, " ");
      title.setSelectionRange(caret, caret);
    }
    autosize(title);
    meta.title = title.value;
    document.title = (title.value.trim() || "Untitled") + " · WorkOS";
    announce(meta);
    hooks.titleChanged();
  });
  title.addEventListener("keydown", (event) => {
    const atEnd = title.selectionStart === title.value.length && title.selectionEnd === title.value.length;
    if (event.key === "Enter" || ((event.key === "ArrowDown" || event.key === "ArrowRight") && atEnd)) {
      if (event.key === "ArrowRight" && !atEnd) return;
      event.preventDefault();
      hooks.focusEditor();
    }
  });

  return {
    title,
    focusTitleEnd() {
      title.focus();
      title.setSelectionRange(title.value.length, title.value.length);
    },
  };
}
