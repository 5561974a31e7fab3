// The editor's own nodes: the block types that TipTap does not ship (toggle, callout, a Notion-style quote, file)
// and the block id attribute every block carries. Each is a small TipTap node on ProseMirror; the
// contenteditable work stays with ProseMirror.

import { Extension, Node, mergeAttributes, textblockTypeInputRule } from "@tiptap/core";
import CodeBlock from "@tiptap/extension-code-block";
import Image from "@tiptap/extension-image";
import { Fragment, type Node as PMNode, Slice } from "@tiptap/pm/model";
import { EditorState, Plugin, PluginKey, TextSelection, Transaction } from "@tiptap/pm/state";
import { uuid4 } from "../lib/uuid";
import { openEmojiPicker } from "./pickers";
import { uploadAttachment } from "./upload";

/** Node types that are blocks of the page, each with a stable id. */
export const BLOCK_NODE_TYPES = [
  "paragraph",
  "heading",
  "listItem",
  "taskItem",
  "quote",
  "callout",
  "toggle",
  "codeBlock",
  "horizontalRule",
  "image",
  "fileBlock",
  "table",
  "equationBlock",
  "canvasBlock",
];

export const CALLOUT_COLORS = ["default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red"] as const;

export const CODE_LANGUAGES = [
  "plain", "bash", "c", "cpp", "csharp", "css", "diff", "go", "html", "java", "javascript", "json", "kotlin",
  "markdown", "php", "python", "ruby", "rust", "sql", "swift", "toml", "typescript", "xml", "yaml",
];

/**
 * Gives every block node a `blockId` and keeps ids unique: a split, a paste or a duplicate gets a new id,
 * the original keeps its own, so the server keeps the rows (and their comments, history) of edited blocks.
 */
export const BlockId = Extension.create({
  name: "blockId",
  addGlobalAttributes() {
    return [
      {
        types: BLOCK_NODE_TYPES,
        attributes: {
          blockId: {
            default: null,
            parseHTML: (element: HTMLElement) => element.getAttribute("data-block-id"),
            renderHTML: (attributes: Record<string, unknown>) =>
              attributes.blockId ? { "data-block-id": attributes.blockId } : {},
            keepOnSplit: false,
          },
        },
      },
    ];
  },
  addProseMirrorPlugins() {
    return [
      new Plugin({
        key: new PluginKey("blockId"),
        props: {
          // Pasted blocks are new blocks: ids copied from another page (or this one) would make the server
          // refuse the save (an id belongs to one page) or steal the identity of the original.
          // A block moved by dragging keeps its id.
          transformPasted(slice, view) {
            if (view.dragging?.move) return slice;
            return new Slice(withoutBlockIds(slice.content), slice.openStart, slice.openEnd);
          },
        },
        appendTransaction(transactions, _old, state) {
          if (!transactions.some((tr) => tr.docChanged)) return null;
          return assignBlockIds(state);
        },
      }),
    ];
  },
});

function withoutBlockIds(fragment: Fragment): Fragment {
  const nodes: PMNode[] = [];
  fragment.forEach((node) => {
    const attrs = "blockId" in node.attrs ? { ...node.attrs, blockId: null } : node.attrs;
    nodes.push(node.isText ? node : node.type.create(attrs, withoutBlockIds(node.content), node.marks));
  });
  return Fragment.from(nodes);
}

/** A transaction giving each block without an id (or with a taken one) a fresh id, or null when none needs one. */
export function assignBlockIds(state: EditorState): Transaction | null {
  const types = new Set(BLOCK_NODE_TYPES);
  const seen = new Set<string>();
  const tr = state.tr;
  let changed = false;
  state.doc.descendants((node, pos) => {
    // A table is one block: the paragraphs in its cells are its content, not blocks of their own.
    if (node.type.name === "tableRow") return false;
    if (!types.has(node.type.name)) return true;
    const id = node.attrs.blockId as string | null;
    if (!id || seen.has(id)) {
      const fresh = uuid4();
      tr.setNodeAttribute(pos, "blockId", fresh);
      seen.add(fresh);
      changed = true;
    } else {
      seen.add(id);
    }
    return true;
  });
  if (!changed) return null;
  tr.setMeta("addToHistory", false);
  return tr;
}

/** A quote is one text block (Shift-Enter for a new line), as in Notion; `> ` makes one. */
export const Quote = Node.create({
  name: "quote",
  group: "block",
  content: "inline*",
  defining: true,
  parseHTML() {
    return [{ tag: "blockquote", contentElement: (dom: HTMLElement) => (dom.querySelector("p") as HTMLElement) ?? dom }];
  },
  renderHTML({ HTMLAttributes }) {
    return ["blockquote", mergeAttributes(HTMLAttributes, { class: "block-quote" }), 0];
  },
  addInputRules() {
    return [textblockTypeInputRule({ find: /^\s*>\s$/, type: this.type })];
  },
  // Markdown `> a\n> b` is one quote whose paragraphs become lines.
  markdownTokenName: "blockquote",
  parseMarkdown: (token: any, helpers: any) => {
    const inline: any[] = [];
    for (const child of token.tokens ?? []) {
      if (inline.length) inline.push(helpers.createNode("hardBreak"));
      const parsed = child.tokens ? helpers.parseInline(child.tokens) : [helpers.createTextNode?.(child.text ?? "") ?? { type: "text", text: child.text ?? "" }];
      inline.push(...parsed.filter((n: any) => n && (n.type !== "text" || n.text)));
    }
    return helpers.createNode("quote", {}, inline);
  },
  renderMarkdown: (node: any, h: any) => "> " + h.renderChildren(node.content ?? []),
});

/** A callout: an icon, a background colour and one line of rich text. */
export const Callout = Node.create({
  name: "callout",
  group: "block",
  content: "inline*",
  defining: true,
  addAttributes() {
    return {
      icon: { default: "💡", parseHTML: (el: HTMLElement) => el.getAttribute("data-icon") || "💡", renderHTML: (a: any) => ({ "data-icon": a.icon }) },
      color: {
        default: "default",
        parseHTML: (el: HTMLElement) => el.getAttribute("data-color") || "default",
        renderHTML: (a: any) => ({ "data-color": a.color }),
      },
    };
  },
  parseHTML() {
    return [{ tag: "div[data-type=callout]", contentElement: ".callout-text" }];
  },
  renderHTML({ HTMLAttributes }) {
    return ["div", mergeAttributes(HTMLAttributes, { "data-type": "callout", class: "block-callout" }), ["div", { class: "callout-text" }, 0]];
  },
  addNodeView() {
    return ({ node, getPos, editor }) => {
      const dom = document.createElement("div");
      dom.className = "block-callout";
      dom.dataset.type = "callout";
      const icon = document.createElement("button");
      icon.type = "button";
      icon.className = "callout-icon";
      icon.contentEditable = "false";
      icon.setAttribute("aria-label", "Change callout icon");
      const text = document.createElement("div");
      text.className = "callout-text";
      dom.append(icon, text);
      let current = node;
      const paint = (n: PMNode) => {
        icon.textContent = n.attrs.icon || "💡";
        dom.dataset.color = n.attrs.color || "default";
        if (n.attrs.blockId) dom.dataset.blockId = n.attrs.blockId;
      };
      paint(node);
      icon.addEventListener("mousedown", (event) => event.preventDefault());
      icon.addEventListener("click", () => {
        if (!editor.isEditable) return;
        openEmojiPicker(icon, {
          onPick: (emoji) => {
            const pos = typeof getPos === "function" ? getPos() : undefined;
            if (pos === undefined) return;
            editor.chain().focus().command(({ tr }) => {
              tr.setNodeAttribute(pos, "icon", emoji || "💡");
              return true;
            }).run();
          },
          allowRemove: false,
        });
      });
      return {
        dom,
        contentDOM: text,
        update: (updated: PMNode) => {
          if (updated.type !== current.type) return false;
          current = updated;
          paint(updated);
          return true;
        },
        stopEvent: (event: Event) => event.target === icon,
        ignoreMutation: (mutation: any) => mutation.type === "attributes" || (mutation.target instanceof globalThis.Node && icon.contains(mutation.target)),
      };
    };
  },
});

/** The line of a toggle that stays visible when it is collapsed. */
export const ToggleSummary = Node.create({
  name: "toggleSummary",
  content: "inline*",
  defining: true,
  selectable: false,
  parseHTML() {
    return [{ tag: "div[data-toggle-summary]" }];
  },
  renderHTML({ HTMLAttributes }) {
    return ["div", mergeAttributes(HTMLAttributes, { "data-toggle-summary": "", class: "toggle-summary" }), 0];
  },
});

/** A toggle: a summary line and child blocks that it shows or hides. */
export const Toggle = Node.create({
  name: "toggle",
  group: "block",
  content: "toggleSummary block*",
  defining: true,
  addAttributes() {
    return {
      collapsed: {
        default: false,
        parseHTML: (el: HTMLElement) => el.getAttribute("data-collapsed") === "true",
        renderHTML: (a: any) => ({ "data-collapsed": a.collapsed ? "true" : "false" }),
      },
    };
  },
  parseHTML() {
    return [{ tag: "div[data-type=toggle]", contentElement: ".toggle-content" }];
  },
  renderHTML({ HTMLAttributes }) {
    return ["div", mergeAttributes(HTMLAttributes, { "data-type": "toggle", class: "block-toggle" }), ["div", { class: "toggle-content" }, 0]];
  },
  addNodeView() {
    return ({ node, getPos, editor }) => {
      const dom = document.createElement("div");
      dom.className = "block-toggle";
      dom.dataset.type = "toggle";
      const caret = document.createElement("button");
      caret.type = "button";
      caret.className = "toggle-caret";
      caret.contentEditable = "false";
      caret.tabIndex = -1;
      const content = document.createElement("div");
      content.className = "toggle-content";
      dom.append(caret, content);
      let current = node;
      const paint = (n: PMNode) => {
        dom.dataset.collapsed = n.attrs.collapsed ? "true" : "false";
        caret.setAttribute("aria-expanded", n.attrs.collapsed ? "false" : "true");
        caret.setAttribute("aria-label", n.attrs.collapsed ? "Expand" : "Collapse");
        if (n.attrs.blockId) dom.dataset.blockId = n.attrs.blockId;
      };
      paint(node);
      caret.addEventListener("mousedown", (event) => event.preventDefault());
      caret.addEventListener("click", () => {
        const pos = typeof getPos === "function" ? getPos() : undefined;
        if (pos === undefined) return;
        const tr = editor.state.tr.setNodeAttribute(pos, "collapsed", !current.attrs.collapsed);
        editor.view.dispatch(tr);
      });
      return {
        dom,
        contentDOM: content,
        update: (updated: PMNode) => {
          if (updated.type !== current.type) return false;
          current = updated;
          paint(updated);
          return true;
        },
        stopEvent: (event: Event) => event.target === caret,
        ignoreMutation: (mutation: any) => mutation.type === "attributes" && mutation.target === dom,
      };
    };
  },
  addKeyboardShortcuts() {
    return {
      // Open or close the toggle around the cursor from the keyboard.
      "Mod-Enter": () => {
        const { $from } = this.editor.state.selection;
        for (let depth = $from.depth; depth > 0; depth--) {
          if ($from.node(depth).type.name === "toggle") {
            const pos = $from.before(depth);
            this.editor.view.dispatch(this.editor.state.tr.setNodeAttribute(pos, "collapsed", !$from.node(depth).attrs.collapsed));
            return true;
          }
        }
        return false;
      },
    };
  },
});

function placeholderUploader(options: {
  label: string;
  accept: string;
  onFile: (file: File) => Promise<void>;
  onUrl: (url: string) => void;
}): HTMLElement {
  const box = document.createElement("div");
  box.className = "media-placeholder";
  box.contentEditable = "false";
  const title = document.createElement("div");
  title.className = "media-placeholder-title";
  title.textContent = options.label;
  const upload = document.createElement("label");
  upload.className = "button";
  upload.textContent = "Upload";
  const file = document.createElement("input");
  file.type = "file";
  file.accept = options.accept;
  file.className = "visually-hidden";
  upload.append(file);
  const form = document.createElement("form");
  form.noValidate = true; // our own checks, with our own messages (a link without https:// is fine)
  form.className = "media-url";
  const url = document.createElement("input");
  url.type = "url";
  url.placeholder = "Paste a link…";
  url.setAttribute("aria-label", "Link");
  const embed = document.createElement("button");
  embed.type = "submit";
  embed.className = "button";
  embed.textContent = "Embed link";
  form.append(url, embed);
  const error = document.createElement("div");
  error.className = "media-error";
  error.setAttribute("role", "alert");
  box.append(title, upload, form, error);
  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    title.textContent = "Uploading " + chosen.name + "…";
    error.textContent = "";
    try {
      await options.onFile(chosen);
    } catch (err) {
      title.textContent = options.label;
      error.textContent = err instanceof Error ? err.message : "Upload failed";
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = url.value.trim();
    if (!/^https?:\/\/\S+$/i.test(value)) {
      error.textContent = "Enter a link that starts with http:// or https://";
      return;
    }
    options.onUrl(value);
  });
  return box;
}

function setAttrs(editor: any, getPos: any, attrs: Record<string, unknown>) {
  const pos = typeof getPos === "function" ? getPos() : undefined;
  if (pos === undefined) return;
  const tr = editor.state.tr;
  for (const [key, value] of Object.entries(attrs)) tr.setNodeAttribute(pos, key, value);
  editor.view.dispatch(tr);
}

function pageId(editor: any): number {
  return editor.storage.workosPage?.pageId ?? 0;
}

/** Where to put the cursor after a media block was filled: the next text block, or a new paragraph. */
function focusAfter(editor: any, getPos: any) {
  const pos = typeof getPos === "function" ? getPos() : undefined;
  if (pos === undefined) return;
  const node = editor.state.doc.nodeAt(pos);
  if (!node) return;
  const after = pos + node.nodeSize;
  const $after = editor.state.doc.resolve(Math.min(after, editor.state.doc.content.size));
  const next = $after.nodeAfter;
  if (next && next.isTextblock) {
    editor.view.dispatch(editor.state.tr.setSelection(TextSelection.create(editor.state.doc, after + 1)));
  } else {
    editor.chain().insertContentAt(after, { type: "paragraph" }).setTextSelection(after + 1).run();
  }
  editor.view.focus();
}

/** An image: an uploaded attachment or a link, with a caption. */
export const ImageBlock = Image.extend({
  draggable: false,
  addAttributes() {
    return {
      ...this.parent?.(),
      attachmentId: { default: null, parseHTML: (el: HTMLElement) => Number(el.getAttribute("data-attachment-id")) || null },
      caption: { default: "", parseHTML: (el: HTMLElement) => el.getAttribute("data-caption") || "" },
    };
  },
  addNodeView() {
    return ({ node, getPos, editor }) => {
      const dom = document.createElement("figure");
      dom.className = "block-image";
      dom.contentEditable = "false";
      let current = node;
      const render = (n: PMNode) => {
        dom.replaceChildren();
        if (n.attrs.blockId) dom.dataset.blockId = n.attrs.blockId;
        if (!n.attrs.src) {
          if (!editor.isEditable) return;
          dom.append(
            placeholderUploader({
              label: "Add an image",
              accept: "image/*",
              onFile: async (file) => {
                const attachment = await uploadAttachment(pageId(editor), file);
                setAttrs(editor, getPos, { src: attachment.url, attachmentId: attachment.id, alt: file.name });
                focusAfter(editor, getPos);
              },
              onUrl: (url) => {
                setAttrs(editor, getPos, { src: url, attachmentId: null });
                focusAfter(editor, getPos);
              },
            }),
          );
          return;
        }
        const img = document.createElement("img");
        img.src = n.attrs.src;
        img.alt = n.attrs.alt || n.attrs.caption || "";
        img.loading = "lazy";
        const caption = document.createElement("input");
        caption.className = "image-caption";
        caption.placeholder = editor.isEditable ? "Write a caption…" : "";
        caption.value = n.attrs.caption || "";
        caption.readOnly = !editor.isEditable;
        caption.setAttribute("aria-label", "Caption");
        caption.addEventListener("change", () => setAttrs(editor, getPos, { caption: caption.value }));
        caption.addEventListener("keydown", (event) => {
          if (event.key === "Enter") {
            event.preventDefault();
            setAttrs(editor, getPos, { caption: caption.value });
            focusAfter(editor, getPos);
          }
        });
        dom.append(img);
        if (editor.isEditable || n.attrs.caption) dom.append(caption);
      };
      render(node);
      return {
        dom,
        update: (updated: PMNode) => {
          if (updated.type !== current.type) return false;
          const same = updated.attrs.src === current.attrs.src && updated.attrs.caption === current.attrs.caption;
          current = updated;
          if (!same) render(updated);
          return true;
        },
        stopEvent: (event: Event) => event.target instanceof HTMLInputElement || event.target instanceof HTMLButtonElement || event.target instanceof HTMLFormElement,
        ignoreMutation: () => true,
      };
    };
  },
}).configure({ inline: false, allowBase64: false });

/** A file attachment (or a link to a file), shown as a row with its name. */
export const FileBlock = Node.create({
  name: "fileBlock",
  group: "block",
  atom: true,
  selectable: true,
  addAttributes() {
    return {
      attachmentId: { default: null, parseHTML: (el: HTMLElement) => Number(el.getAttribute("data-attachment-id")) || null },
      url: { default: "", parseHTML: (el: HTMLElement) => el.getAttribute("href") || "" },
      name: { default: "", parseHTML: (el: HTMLElement) => el.textContent || "" },
    };
  },
  parseHTML() {
    return [{ tag: "a[data-type=file]" }];
  },
  renderHTML({ node, HTMLAttributes }) {
    return ["a", mergeAttributes(HTMLAttributes, { "data-type": "file", href: node.attrs.url, class: "block-file" }), node.attrs.name || "File"];
  },
  addNodeView() {
    return ({ node, getPos, editor }) => {
      const dom = document.createElement("div");
      dom.className = "block-file";
      dom.contentEditable = "false";
      let current = node;
      const render = (n: PMNode) => {
        dom.replaceChildren();
        if (n.attrs.blockId) dom.dataset.blockId = n.attrs.blockId;
        if (!n.attrs.url) {
          if (!editor.isEditable) return;
          dom.append(
            placeholderUploader({
              label: "Add a file",
              accept: "",
              onFile: async (file) => {
                const attachment = await uploadAttachment(pageId(editor), file);
                setAttrs(editor, getPos, { url: attachment.url, attachmentId: attachment.id, name: attachment.name || file.name });
                focusAfter(editor, getPos);
              },
              onUrl: (url) => {
                const name = decodeURIComponent(url.split("?")[0].split("/").filter(Boolean).pop() || url);
                setAttrs(editor, getPos, { url, attachmentId: null, name });
                focusAfter(editor, getPos);
              },
            }),
          );
          return;
        }
        const link = document.createElement("a");
        link.className = "file-link";
        link.href = /^(https?:\/\/|\/)/i.test(n.attrs.url) ? n.attrs.url : "#";
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        const icon = document.createElement("span");
        icon.className = "file-icon";
        icon.textContent = "📎";
        const name = document.createElement("span");
        name.textContent = n.attrs.name || n.attrs.url;
        link.append(icon, name);
        dom.append(link);
      };
      render(node);
      return {
        dom,
        update: (updated: PMNode) => {
          if (updated.type !== current.type) return false;
          const same = updated.attrs.url === current.attrs.url && updated.attrs.name === current.attrs.name;
          current = updated;
          if (!same) render(updated);
          return true;
        },
        stopEvent: (event: Event) => event.target instanceof HTMLInputElement || event.target instanceof HTMLButtonElement || event.target instanceof HTMLFormElement,
        ignoreMutation: () => true,
      };
    };
  },
});

/** A code block with a language picker; Tab indents inside it. */
export const CodeBlockWithLanguage = CodeBlock.extend({
  addNodeView() {
    return ({ node, getPos, editor }) => {
      const dom = document.createElement("div");
      dom.className = "block-code";
      const select = document.createElement("select");
      select.className = "code-language";
      select.contentEditable = "false";
      select.setAttribute("aria-label", "Language");
      const languages = new Set(CODE_LANGUAGES);
      if (node.attrs.language) languages.add(node.attrs.language);
      for (const language of languages) {
        const option = document.createElement("option");
        option.value = language === "plain" ? "" : language;
        option.textContent = language === "plain" ? "Plain text" : language;
        select.append(option);
      }
      select.disabled = !editor.isEditable;
      const pre = document.createElement("pre");
      const code = document.createElement("code");
      pre.append(code);
      dom.append(select, pre);
      let current = node;
      const paint = (n: PMNode) => {
        const language = n.attrs.language || "";
        if (![...select.options].some((o) => o.value === language)) {
          const option = document.createElement("option");
          option.value = option.textContent = language;
          select.append(option);
        }
        select.value = language;
        code.className = language ? "language-" + language : "";
        if (n.attrs.blockId) dom.dataset.blockId = n.attrs.blockId;
      };
      paint(node);
      select.addEventListener("change", () => setAttrs(editor, getPos, { language: select.value || null }));
      return {
        dom,
        contentDOM: code,
        update: (updated: PMNode) => {
          if (updated.type !== current.type) return false;
          current = updated;
          paint(updated);
          return true;
        },
        stopEvent: (event: Event) => event.target === select,
        ignoreMutation: (mutation: any) => mutation.target === select || select.contains(mutation.target) || (mutation.type === "attributes" && mutation.target === code),
      };
    };
  },
}).configure({ defaultLanguage: null, enableTabIndentation: true, tabSize: 2 } as any);
