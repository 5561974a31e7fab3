// The "/" menu: every block type, filtered as you type, chosen with the arrows and Enter.

import { Extension } from "@tiptap/core";
import { PluginKey } from "@tiptap/pm/state";
import Suggestion from "@tiptap/suggestion";
import { type BlockType, runSlashCommand } from "./commands";
import { FloatingMenu, type MenuItem } from "./menu";

export interface BlockChoice extends MenuItem {
  key: BlockType;
  aliases: string[];
}

export const BLOCK_CHOICES: BlockChoice[] = [
  { key: "paragraph", title: "Text", hint: "Plain text", icon: "¶", aliases: ["text", "paragraph", "plain"], group: "Basic blocks" },
  { key: "heading_1", title: "Heading 1", hint: "Big section heading  #", icon: "H1", aliases: ["h1", "heading", "title"], group: "Basic blocks" },
  { key: "heading_2", title: "Heading 2", hint: "Medium section heading  ##", icon: "H2", aliases: ["h2", "heading", "subtitle"], group: "Basic blocks" },
  { key: "heading_3", title: "Heading 3", hint: "Small section heading  ###", icon: "H3", aliases: ["h3", "heading"], group: "Basic blocks" },
  { key: "bulleted_list", title: "Bulleted list", hint: "A simple list  -", icon: "•", aliases: ["bullet", "ul", "list", "unordered"], group: "Basic blocks" },
  { key: "numbered_list", title: "Numbered list", hint: "A list with numbers  1.", icon: "1.", aliases: ["numbered", "ol", "ordered", "list"], group: "Basic blocks" },
  { key: "todo", title: "To-do list", hint: "Track tasks  []", icon: "☑", aliases: ["todo", "task", "checkbox", "check"], group: "Basic blocks" },
  { key: "toggle", title: "Toggle", hint: "Show or hide content", icon: "▸", aliases: ["toggle", "collapse", "details"], group: "Basic blocks" },
  { key: "quote", title: "Quote", hint: "Capture a quote  >", icon: "❝", aliases: ["quote", "blockquote", "citation"], group: "Basic blocks" },
  { key: "callout", title: "Callout", hint: "Make writing stand out", icon: "💡", aliases: ["callout", "note", "info", "warning"], group: "Basic blocks" },
  { key: "divider", title: "Divider", hint: "Separate blocks  ---", icon: "—", aliases: ["divider", "hr", "rule", "line", "separator"], group: "Basic blocks" },
  { key: "code", title: "Code", hint: "A code snippet  ```", icon: "</>", aliases: ["code", "snippet", "pre"], group: "Basic blocks" },
  { key: "table", title: "Table", hint: "A simple table  |", icon: "▦", aliases: ["table", "grid", "rows", "columns"], group: "Basic blocks" },
  { key: "equation", title: "Equation", hint: "A LaTeX formula  $$", icon: "∑", aliases: ["equation", "math", "latex", "formula", "tex"], group: "Basic blocks" },
  { key: "image", title: "Image", hint: "Upload or embed an image", icon: "🖼", aliases: ["image", "picture", "photo", "img"], group: "Media" },
  { key: "file", title: "File", hint: "Upload or link a file", icon: "📎", aliases: ["file", "attachment", "upload", "pdf"], group: "Media" },
  // Offered only where the canvas module is installed: it says so in the page head.
  ...(document.querySelector('meta[name="workos-canvas"]')
    ? [{ key: "canvas", title: "Canvas", hint: "A new whiteboard, shown here", icon: "🎨", aliases: ["canvas", "whiteboard", "draw", "diagram", "board"], group: "Media" } as BlockChoice]
    : []),
];

export function filterChoices(query: string): BlockChoice[] {
  const q = query.trim().toLowerCase();
  if (!q) return BLOCK_CHOICES;
  const starts = BLOCK_CHOICES.filter((c) => c.title.toLowerCase().startsWith(q) || c.aliases.some((a) => a.startsWith(q)));
  const contains = BLOCK_CHOICES.filter((c) => !starts.includes(c) && (c.title.toLowerCase().includes(q) || c.aliases.some((a) => a.includes(q))));
  return [...starts, ...contains];
}

export const SlashMenu = Extension.create({
  name: "slashMenu",
  priority: 1000, // before the list keymaps: Enter chooses from the menu, it does not split the item
  addProseMirrorPlugins() {
    const menu = new FloatingMenu<BlockChoice>("Block types", "No matching block");
    return [
      Suggestion<BlockChoice, BlockChoice>({
        editor: this.editor,
        pluginKey: new PluginKey("slashMenu"),
        char: "/",
        allowSpaces: false,
        startOfLine: false,
        allowedPrefixes: [" ", "\u00a0"],
        allow: ({ state, range }) => {
          const $from = state.doc.resolve(range.from);
          return $from.parent.type.name !== "codeBlock";
        },
        items: ({ query }) => filterChoices(query),
        command: ({ editor, range, props }) => {
          menu.hide();
          runSlashCommand(editor, range, props.key);
        },
        render: () => ({
          onStart: (props) => {
            menu.show(props.items, props.clientRect?.() ?? null, (item) => props.command(item));
          },
          onUpdate: (props) => {
            menu.update(props.items, props.clientRect?.() ?? null);
            menu.show(props.items, props.clientRect?.() ?? null, (item) => props.command(item));
          },
          onKeyDown: ({ event }) => {
            if (event.key === "Escape") {
              menu.hide();
              return true;
            }
            return menu.onKeyDown(event);
          },
          onExit: () => menu.hide(),
        }),
      }),
    ];
  },
});
