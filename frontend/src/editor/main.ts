// The page editor island: mounts TipTap on #workos-editor with the document the server embedded
// (json_script "workos-page-blocks") and the page's metadata ("workos-page-meta"), and keeps it saved.

import "./editor.css";
import { Editor, Extension } from "@tiptap/core";
import { Selection } from "@tiptap/pm/state";
import { TaskItem, TaskList } from "@tiptap/extension-list";
import { Placeholder } from "@tiptap/extensions";
import { Markdown } from "@tiptap/markdown";
import StarterKit from "@tiptap/starter-kit";
import Collaboration from "@tiptap/extension-collaboration";
import { yCursorPlugin } from "@tiptap/y-tiptap";
import { embeddedJson } from "../lib/api";
import { Autosave, type Conflict, type SaveState, dropPending, readPending } from "./autosave";
import { showConflict } from "./conflict";
import { type Block, blocksToDoc, docToBlocks, plainText } from "./convert";
import { type PageMeta, setupHeader } from "./header";
import { BlockHandle } from "./handle";
import { NotionKeys } from "./keys";
import { CommentMark, canComment, setupComments, startComment } from "./comments";
import { createMention } from "./mention";
import { BlockId, Callout, CodeBlockWithLanguage, FileBlock, ImageBlock, Quote, Toggle, ToggleSummary, assignBlockIds } from "./nodes";
import { MarkdownPaste } from "./paste";
import { EquationBlock, InlineEquation } from "./math";
import { CanvasBlock } from "./canvasEmbed";
import { TableKit } from "./table";
import { SlashMenu } from "./slash";
import { setupLinkShortcut } from "./link";
import { setupToolbar } from "./toolbar";
import { type LiveSession, openLive, renderPresence } from "./live";

const SILENT = "workosSilent";

const STATUS_TEXT: Record<SaveState, string> = {
  saved: "Saved",
  dirty: "Unsaved changes",
  saving: "Saving…",
  error: "Not saved",
  offline: "Offline",
  readonly: "Read only",
  conflict: "Not saved — this page changed elsewhere",
};

/** Live co-editing when the page's live document can be reached (or this browser holds it, offline); the
 * whole-document REST save only when it cannot. */
async function mount() {
  const meta = embeddedJson<PageMeta>("workos-page-meta");
  if (!meta || !document.getElementById("workos-editor")) return;
  const session = await openLive(meta.id, meta.user).catch(() => null);
  mountEditor(session);
}

function mountEditor(session: LiveSession | null) {
  const root = document.getElementById("workos-page");
  const host = document.getElementById("workos-editor");
  const meta = embeddedJson<PageMeta>("workos-page-meta");
  const initial = embeddedJson<{ items: Block[]; version: number }>("workos-page-blocks");
  if (!root || !host || !meta) return;
  const status = document.querySelector<HTMLElement>("[data-save-status]");
  let conflictPanel: HTMLElement | null = null;
  const showState = (state: SaveState, message?: string) => {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = STATUS_TEXT[state];
    status.title = message ?? "";
    if (message && (state === "error" || state === "readonly" || state === "offline")) status.textContent = STATUS_TEXT[state] + " — " + message;
    if (state !== "conflict") {
      conflictPanel?.remove();
      conflictPanel = null;
    }
  };

  // Changes kept locally by a page that went away before they were saved: restored when the server still
  // has what they were based on, dropped when the server has them already. When someone changed the page
  // since, they are not dropped: the user is asked what to do with them (see `earlier` below).
  const serverBlocks = initial?.items ?? [];
  const serverVersion = initial?.version ?? 0;
  const base = JSON.stringify(docToBlocks(blocksToDoc(serverBlocks)));
  const baseTitle = meta.title;
  let pending = meta.editable ? readPending(meta.id) : null;
  if (pending && session) {
    // Live: the page's document comes from Yjs (IndexedDB keeps unsent edits); only a title is restored.
    pending = pending.title !== undefined ? { ...pending, blocks: undefined } : null;
    if (!pending) dropPending(meta.id);
  }
  let earlier: Block[] | null = null;
  if (pending) {
    const restoreBlocks = pending.blocks !== undefined && pending.base === base && JSON.stringify(pending.blocks) !== base;
    const restoreTitle = pending.title !== undefined && pending.baseTitle === baseTitle && pending.title !== baseTitle;
    if (pending.blocks !== undefined && !restoreBlocks && JSON.stringify(pending.blocks) !== base) earlier = pending.blocks;
    pending = restoreBlocks || restoreTitle ? { ...pending, blocks: restoreBlocks ? pending.blocks : undefined, title: restoreTitle ? pending.title : undefined } : null;
    if (!pending && !earlier) dropPending(meta.id);
  }
  const blocks = pending?.blocks ?? serverBlocks;
  if (pending?.title !== undefined) meta.title = pending.title;

  const PageStorage = Extension.create({
    name: "workosPage",
    addStorage: () => ({ pageId: meta.id }),
  });

  let autosave: Autosave | null = null;
  const editor = new Editor({
    element: host,
    editable: meta.editable,
    content: session ? undefined : blocksToDoc(blocks),
    extensions: [
      StarterKit.configure({
        // Live: undo and redo are Yjs's (the collaboration extension's), so that undo never undoes others.
        ...(session ? { undoRedo: false as const } : {}),
        blockquote: false,
        codeBlock: false,
        heading: { levels: [1, 2, 3] },
        link: {
          openOnClick: false,
          autolink: true,
          linkOnPaste: true,
          HTMLAttributes: { rel: "noopener noreferrer nofollow", target: "_blank" },
        },
        dropcursor: { color: "rgba(35, 131, 226, 0.6)", width: 3 },
      }),
      TaskList,
      TaskItem.configure({ nested: true }),
      Quote,
      Callout,
      ToggleSummary,
      Toggle,
      CodeBlockWithLanguage,
      ImageBlock,
      FileBlock,
      TableKit,
      EquationBlock,
      CanvasBlock,
      InlineEquation,
      createMention(meta.workspace_id, Boolean(session), meta.id),
      CommentMark,
      Placeholder.configure({
        includeChildren: true,
        placeholder: ({ node }) => {
          if (node.type.name === "heading") return `Heading ${node.attrs.level}`;
          if (node.type.name === "toggleSummary") return "Toggle";
          if (node.type.name === "quote") return "Empty quote";
          if (node.type.name === "callout") return "Type something…";
          if (node.type.name === "codeBlock") return "";
          return "Type '/' for commands";
        },
      }),
      Markdown,
      MarkdownPaste,
      BlockId,
      SlashMenu,
      BlockHandle,
      NotionKeys,
      PageStorage,
      ...(session ? liveExtensions(session) : []),
    ],
    editorProps: {
      handleDOMEvents: {
        // A caret moved right before a key or a paste (Home, End, a click) may not have reached ProseMirror
        // yet: selectionchange comes asynchronously. Read it first, so the key acts where the caret is.
        keydown: (view, event) => {
          if (!event.isComposing) (view as any).domObserver?.flush?.();
          return false;
        },
        paste: (view) => {
          (view as any).domObserver?.flush?.();
          return false;
        },
      },
      attributes: { class: "workos-editor", "aria-label": "Page content", spellcheck: "true" },
      handleKeyDown: (view, event) => {
        // ArrowUp on the first line goes to the title, as in Notion.
        if ((event.key === "ArrowUp" || event.key === "ArrowLeft") && !event.shiftKey) {
          const { $from, empty } = view.state.selection;
          if (!empty || $from.depth < 1 || $from.before(1) !== 0) return false;
          if (event.key === "ArrowUp" ? view.endOfTextblock("up") : $from.pos <= $from.depth) {
            event.preventDefault();
            header.focusTitleEnd();
            return true;
          }
        }
        return false;
      },
    },
    onUpdate: ({ transaction }) => {
      if (transaction.getMeta(SILENT) || session) return;
      autosave?.documentChanged();
    },
  });

  // New blocks from the server all have ids; a fresh page's first empty line gets one without counting as an edit.
  const ids = session ? null : assignBlockIds(editor.state);
  if (ids) editor.view.dispatch(ids.setMeta(SILENT, true));

  const header = setupHeader(root, meta, {
    titleChanged: () => autosave?.titleChanged(),
    focusEditor: () => {
      // Synchronously, so the next keystroke already lands in the document.
      editor.view.dispatch(editor.state.tr.setSelection(Selection.atStart(editor.state.doc)).scrollIntoView());
      editor.view.focus();
    },
    error: (message) => showState("error", message),
  });
  header.title.value = meta.title;

  const onConflict = (conflict: Conflict, mine?: Block[]) => {
    conflictPanel?.remove();
    conflictPanel = showConflict(root, host, {
      earlier: mine !== undefined,
      text: () => (mine !== undefined ? textOf(mine) : editor.getText({ blockSeparator: "\n\n" })),
      reload: () => {
        autosave?.discardMine();
        window.location.reload();
      },
      keepMine: () => {
        if (mine !== undefined) {
          editor.commands.setContent(blocksToDoc(mine), { emitUpdate: false });
          editor.setEditable(true);
        }
        autosave?.keepMine(conflict.currentVersion);
      },
    });
  };
  // Live: the autosave keeps the title only (the document is saved through Yjs); its "saved" defers to the
  // live document's own state.
  const refreshLive = () => {
    if (!session || (autosave && autosave.state !== "saved")) return;
    const state = session.state();
    if (state === "closed") {
      editor.setEditable(false);
      showState("readonly", session.closedReason());
    } else if (!meta.editable) {
      showState("readonly", state === "offline" ? "offline" : meta.archived ? "This page is in the trash" : "You can view this page");
    } else if (state === "saved") showState("saved");
    else if (state === "saving") showState("saving");
    else showState("offline", session.waiting() ? `${session.waiting()} changes waiting` : "changes are kept on this device");
  };
  const onSaveState = (state: SaveState, message?: string) => (state === "saved" && session ? refreshLive() : showState(state, message));
  autosave = new Autosave(meta.id, () => (session ? serverBlocks : docToBlocks(editor.getJSON())), () => meta.title, base, baseTitle, serverVersion, onSaveState, onConflict);
  setupLinkShortcut(editor);
  // An inline comment's offsets are about the text the server has: this editor's edits are saved first.
  const savedNow = async () => {
    if (!session) return autosave?.flush();
    for (let waited = 0; !session.saved() && waited < 10_000; waited += 100) await new Promise((done) => setTimeout(done, 100));
  };
  setupToolbar(editor, { allowed: canComment, start: () => startComment(editor, savedNow) });
  setupComments(editor, savedNow);
  if (session) {
    session.onChange(refreshLive);
    const presence = document.querySelector<HTMLElement>("[data-presence]");
    if (presence) renderPresence(presence, session);
    if (!meta.editable) autosave.stop(meta.archived ? "This page is in the trash" : "You can view this page");
    refreshLive();
    if (meta.editable && pending?.title !== undefined) autosave.titleChanged();
    if (meta.editable && !meta.title && editor.isEmpty) header.title.focus();
  } else if (!meta.editable) {
    // Opening a toggle stays local for someone who may only read the page.
    autosave.stop(meta.archived ? "This page is in the trash" : "You can view this page");
  } else {
    showState("saved");
    if (pending) {
      if (pending.blocks !== undefined) autosave.documentChanged();
      if (pending.title !== undefined) autosave.titleChanged();
    }
    // Empty page: start typing in the title, as in Notion; otherwise in the document.
    if (!meta.title && blocks.length === 0) header.title.focus();
    if (earlier) {
      const mine = earlier;
      const conflict = { currentVersion: serverVersion, message: "changes you made here earlier were not saved, and the page changed since" };
      // The editor shows the page as it is now; it stays read-only until the user chooses, so that typing
      // cannot be mistaken for either version.
      editor.setEditable(false);
      autosave.holdFor(conflict, false);
      onConflict(conflict, mine);
    }
  }
  const titleSave = autosave;
  // What tests and tools read: saved means the title and, live, every change this browser holds are stored.
  const saveState = session
    ? {
        get dirty() {
          return titleSave.dirty || !session.saved();
        },
        get state() {
          return titleSave.state !== "saved" ? titleSave.state : status?.dataset.state ?? "saved";
        },
      }
    : autosave;
  (window as any).workosEditor = { editor, autosave: saveState, live: session, toBlocks: () => docToBlocks(editor.getJSON()) };
}

function liveExtensions(session: LiveSession) {
  const Caret = Extension.create({
    name: "collaborationCaret",
    addProseMirrorPlugins: () => [
      yCursorPlugin(session.provider.awareness as any, {
        // The name is drawn by CSS (::after), so that it is never part of the page's text (copy, innerText).
        cursorBuilder: (user: { name?: string; color?: string }) => {
          const caret = document.createElement("span");
          caret.className = "collaboration-caret";
          caret.dataset.caretName = user.name ?? "Someone";
          caret.style.borderColor = user.color ?? "#868e96";
          caret.style.setProperty("--caret-color", user.color ?? "#868e96");
          return caret;
        },
      }),
    ],
  });
  return [Collaboration.configure({ document: session.doc, field: "default" }), Caret];
}

/** The plain text of blocks (for "Copy my text" of a local copy that is not in the editor). */
function textOf(blocks: Block[]): string {
  const lines: string[] = [];
  const walk = (items: Block[]) => {
    for (const block of items) {
      const content = block.content ?? {};
      const text = typeof content.code === "string" ? content.code : plainText(content.text);
      if (text) lines.push(text);
      walk(block.children ?? []);
    }
  };
  walk(blocks);
  return lines.join("\n\n");
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
else mount();
