// Block JSON (the API's document: a list of block trees) <-> the editor's ProseMirror JSON.
//
// Lists are the one place the two shapes differ: the API has one block per list item (consecutive
// bulleted_list blocks form one list), the editor wraps items in a list node. A list item's first paragraph is
// the block's text, the rest of the item its children. A toggle's summary is its text, the blocks after the
// summary its children. A table's cells hold one paragraph each (its rich text); which cells are headers follows
// the table's headerRow / headerColumn attributes. An inline equation (a span with the "equation" mark) is an
// inlineEquation node holding the LaTeX.

import type { JSONContent } from "@tiptap/core";
import { isUuid } from "../lib/uuid";

export type Mark = "bold" | "italic" | "underline" | "strike" | "code" | "equation";
// `comment`: the inline comment thread anchored to this text (the `comment` mark; one thread per character).
export type Span = { text: string; marks?: Mark[]; href?: string; title?: string; comment?: number } | { mention: { kind: "user" | "page"; id: number }; text: string };
export type RichText = Span[];

export interface Block {
  id?: string;
  page_id?: number;
  parent_id?: string | null;
  type: string;
  content: Record<string, any>;
  rank?: string;
  children?: Block[];
}

const MARKS: Mark[] = ["bold", "italic", "underline", "strike", "code"];
const LIST_TYPES: Record<string, { list: string; item: string }> = {
  bulleted_list: { list: "bulletList", item: "listItem" },
  numbered_list: { list: "orderedList", item: "listItem" },
  todo: { list: "taskList", item: "taskItem" },
};
export const CALLOUT_COLOR_NAMES = ["default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red"];

// --- rich text ----------------------------------------------------------------------------------------

export function richToInline(rich: unknown): JSONContent[] {
  if (typeof rich === "string") rich = [{ text: rich }];
  if (!Array.isArray(rich)) return [];
  const out: JSONContent[] = [];
  for (const span of rich) {
    if (!span || typeof span !== "object") continue;
    if ("mention" in span && span.mention && typeof span.mention === "object") {
      const kind = span.mention.kind === "page" ? "page" : "user";
      const id = Number(span.mention.id);
      if (!Number.isInteger(id)) continue;
      const label = String(span.text ?? "").replace(/^@/, "");
      out.push({ type: "mention", attrs: { id: String(id), kind, label } });
      continue;
    }
    const text = typeof span.text === "string" ? span.text : "";
    if (!text) continue;
    if (Array.isArray(span.marks) && span.marks.includes("equation")) {
      out.push({ type: "inlineEquation", attrs: { latex: text } });
      continue;
    }
    const marks: JSONContent["marks"] = [];
    for (const mark of Array.isArray(span.marks) ? span.marks : []) {
      if (MARKS.includes(mark)) marks.push({ type: mark });
    }
    if (typeof span.href === "string" && span.href) {
      const link: Record<string, string> = { href: span.href };
      if (typeof span.title === "string" && span.title) link.title = span.title;
      marks.push({ type: "link", attrs: link });
    }
    if (Number.isInteger(span.comment) && span.comment > 0) marks.push({ type: "comment", attrs: { threadId: Number(span.comment) } });
    text.split("\n").forEach((part: string, index: number) => {
      if (index > 0) out.push({ type: "hardBreak" });
      if (part) out.push(marks.length ? { type: "text", text: part, marks } : { type: "text", text: part });
    });
  }
  return out;
}

function isEquation(span: Span): boolean {
  return !("mention" in span) && (span.marks ?? []).includes("equation");
}

function sameStyle(a: Span, b: Span): boolean {
  if ("mention" in a || "mention" in b || isEquation(a) || isEquation(b)) return false;
  return (
    (a.href ?? "") === (b.href ?? "") && (a.title ?? "") === (b.title ?? "") && (a.marks ?? []).join() === (b.marks ?? []).join() && a.comment === b.comment
  );
}

export function inlineToRich(nodes: JSONContent[] | undefined): RichText {
  const out: Span[] = [];
  const push = (span: Span) => {
    const last = out[out.length - 1];
    if (last && sameStyle(last, span)) last.text += span.text;
    else out.push(span);
  };
  for (const node of nodes ?? []) {
    if (node.type === "text") {
      const marks: Mark[] = [];
      let href: string | undefined;
      let title: string | undefined;
      let thread: number | undefined;
      for (const mark of node.marks ?? []) {
        if (MARKS.includes(mark.type as Mark)) marks.push(mark.type as Mark);
        if (mark.type === "link" && mark.attrs?.href) {
          href = String(mark.attrs.href);
          title = mark.attrs.title ? String(mark.attrs.title) : undefined;
        }
        if (mark.type === "comment") {
          const id = Number(mark.attrs?.threadId);
          if (Number.isInteger(id) && id > 0) thread = id;
        }
      }
      marks.sort((x, y) => MARKS.indexOf(x) - MARKS.indexOf(y));
      // The server's normal form: no "marks" key on plain text.
      const span: Span = marks.length ? { text: node.text ?? "", marks } : { text: node.text ?? "" };
      if (href) span.href = href;
      if (href && title) span.title = title;
      if (thread) span.comment = thread;
      push(span);
    } else if (node.type === "hardBreak") {
      const last = out[out.length - 1];
      if (last && !("mention" in last) && !isEquation(last)) last.text += "\n";
      else out.push({ text: "\n" });
    } else if (node.type === "mention") {
      const id = Number(node.attrs?.id);
      if (!Number.isInteger(id)) continue;
      const kind = node.attrs?.kind === "page" ? "page" : "user";
      out.push({ mention: { kind, id }, text: String(node.attrs?.label ?? "") });
    } else if (node.type === "inlineEquation") {
      const latex = node.attrs?.latex;
      if (typeof latex === "string" && latex) out.push({ text: latex, marks: ["equation"] });
    }
  }
  return out;
}

export function plainText(rich: unknown): string {
  if (typeof rich === "string") return rich;
  if (!Array.isArray(rich)) return "";
  return rich.map((span) => (span && typeof span.text === "string" ? span.text : "")).join("");
}

// --- blocks -> editor ----------------------------------------------------------------------------------

function idAttr(block: Block): Record<string, unknown> {
  return isUuid(block.id) ? { blockId: block.id } : {};
}

function textblock(type: string, block: Block, attrs: Record<string, unknown> = {}): JSONContent {
  const content = richToInline(block.content?.text);
  const node: JSONContent = { type, attrs: { ...idAttr(block), ...attrs } };
  if (content.length) node.content = content;
  return node;
}

function listItem(block: Block, itemType: string): JSONContent {
  const attrs: Record<string, unknown> = idAttr(block);
  if (itemType === "taskItem") attrs.checked = Boolean(block.content?.checked);
  const paragraph: JSONContent = { type: "paragraph" };
  const inline = richToInline(block.content?.text);
  if (inline.length) paragraph.content = inline;
  return { type: itemType, attrs, content: [paragraph, ...blocksToNodes(block.children ?? [])] };
}

/** One block (without list grouping); children of blocks that cannot hold any follow them. */
function blockToNodes(block: Block): JSONContent[] {
  const children = block.children ?? [];
  const c = block.content ?? {};
  let node: JSONContent;
  switch (block.type) {
    case "heading_1":
    case "heading_2":
    case "heading_3":
      node = textblock("heading", block, { level: Number(block.type.slice(-1)) });
      break;
    case "quote":
      node = textblock("quote", block);
      break;
    case "callout":
      node = textblock("callout", block, {
        icon: typeof c.icon === "string" && c.icon ? c.icon : "💡",
        color: CALLOUT_COLOR_NAMES.includes(c.color) ? c.color : "default",
      });
      break;
    case "toggle": {
      const summary: JSONContent = { type: "toggleSummary" };
      const inline = richToInline(c.text);
      if (inline.length) summary.content = inline;
      return [{ type: "toggle", attrs: { ...idAttr(block), collapsed: Boolean(c.collapsed) }, content: [summary, ...blocksToNodes(children)] }];
    }
    case "divider":
      node = { type: "horizontalRule", attrs: idAttr(block) };
      break;
    case "code": {
      node = { type: "codeBlock", attrs: { ...idAttr(block), language: typeof c.language === "string" && c.language ? c.language : null } };
      if (typeof c.code === "string" && c.code) node.content = [{ type: "text", text: c.code }];
      break;
    }
    case "image":
      node = {
        type: "image",
        attrs: {
          ...idAttr(block),
          src: typeof c.url === "string" ? c.url : "",
          attachmentId: Number.isInteger(c.attachment_id) ? c.attachment_id : null,
          caption: plainText(c.caption),
        },
      };
      break;
    case "file":
      node = {
        type: "fileBlock",
        attrs: {
          ...idAttr(block),
          url: typeof c.url === "string" ? c.url : "",
          attachmentId: Number.isInteger(c.attachment_id) ? c.attachment_id : null,
          name: typeof c.name === "string" ? c.name : "",
        },
      };
      break;
    case "table":
      node = table(block);
      break;
    case "equation":
      node = { type: "equationBlock", attrs: { ...idAttr(block), latex: typeof c.expression === "string" ? c.expression : "" } };
      break;
    case "canvas": // a canvas embedded as a preview (the block type of ipai_workos_canvas)
      node = { type: "canvasBlock", attrs: { ...idAttr(block), canvasId: Number.isInteger(c.canvas_id) ? c.canvas_id : null } };
      break;
    default:
      // paragraph, and any type this editor does not know: its text is kept as a paragraph.
      node = textblock("paragraph", block);
  }
  return [node, ...blocksToNodes(children)];
}

function table(block: Block): JSONContent {
  const c = block.content ?? {};
  const headerRow = Boolean(c.header_row);
  const headerColumn = Boolean(c.header_column);
  const rows: unknown[][] = Array.isArray(c.rows) ? c.rows.filter((row: unknown) => Array.isArray(row)) : [];
  const width = Math.max(1, ...rows.map((row) => row.length));
  const content: JSONContent[] = (rows.length ? rows : [[]]).map((row, rowIndex) => {
    const cells: JSONContent[] = [];
    for (let index = 0; index < width; index++) {
      const paragraph: JSONContent = { type: "paragraph" };
      const inline = richToInline(index < row.length ? row[index] : []);
      if (inline.length) paragraph.content = inline;
      const header = (rowIndex === 0 && headerRow) || (index === 0 && headerColumn);
      cells.push({ type: header ? "tableHeader" : "tableCell", content: [paragraph] });
    }
    return { type: "tableRow", content: cells };
  });
  return { type: "table", attrs: { ...idAttr(block), headerRow, headerColumn }, content };
}

/** A cell's paragraphs as one rich text, a line break between them. */
function cellToRich(cell: JSONContent): RichText {
  const inline: JSONContent[] = [];
  (cell.content ?? [])
    .filter((child) => child.type === "paragraph" || child.type === "heading")
    .forEach((paragraph, index) => {
      if (index > 0) inline.push({ type: "hardBreak" });
      inline.push(...(paragraph.content ?? []));
    });
  return inlineToRich(inline);
}

function tableToBlock(node: JSONContent): Block {
  let rows: RichText[][] = (node.content ?? [])
    .filter((row) => row.type === "tableRow")
    .map((row) => (row.content ?? []).filter((cell) => cell.type === "tableCell" || cell.type === "tableHeader").map(cellToRich))
    .filter((row) => row.length);
  const width = Math.max(1, ...rows.map((row) => row.length));
  rows = rows.map((row) => [...row, ...Array.from({ length: width - row.length }, () => [] as RichText)]);
  if (!rows.length) rows = [[[]]];
  return withId(node, {
    type: "table",
    content: { rows, header_row: Boolean(node.attrs?.headerRow), header_column: Boolean(node.attrs?.headerColumn) },
    children: [],
  });
}

export function blocksToNodes(blocks: Block[]): JSONContent[] {
  const out: JSONContent[] = [];
  let list: JSONContent | null = null;
  let listKind = "";
  for (const block of blocks ?? []) {
    if (!block || typeof block !== "object") continue;
    const kind = LIST_TYPES[block.type];
    if (kind) {
      const start = block.type === "numbered_list" && Number.isInteger(block.content?.start) ? Number(block.content!.start) : null;
      if (!list || listKind !== block.type || start !== null) {
        list = start !== null ? { type: kind.list, attrs: { start }, content: [] } : { type: kind.list, content: [] };
        listKind = block.type;
        out.push(list);
      }
      list.content!.push(listItem(block, kind.item));
      continue;
    }
    list = null;
    listKind = "";
    out.push(...blockToNodes(block));
  }
  return out;
}

export function blocksToDoc(blocks: Block[]): JSONContent {
  const content = blocksToNodes(blocks);
  return { type: "doc", content: content.length ? content : [{ type: "paragraph" }] };
}

// --- editor -> blocks ----------------------------------------------------------------------------------

function withId(node: JSONContent, block: Block): Block {
  const id = node.attrs?.blockId;
  return isUuid(id) ? { id, ...block } : block;
}

function itemToBlock(item: JSONContent, type: string): Block {
  const [first, ...rest] = item.content ?? [];
  const hasText = first && (first.type === "paragraph" || first.type === "heading");
  const content: Record<string, unknown> = { text: hasText ? inlineToRich(first.content) : [] };
  if (type === "todo") content.checked = Boolean(item.attrs?.checked);
  const children = nodesToBlocks(hasText ? rest : item.content ?? []);
  return withId(item, { type, content, children });
}

export function nodesToBlocks(nodes: JSONContent[]): Block[] {
  const out: Block[] = [];
  let kind: string | undefined;
  for (const node of nodes ?? []) {
    const previousKind = kind;
    kind = node.type;
    switch (node.type) {
      case "paragraph":
        out.push(withId(node, { type: "paragraph", content: { text: inlineToRich(node.content) }, children: [] }));
        break;
      case "heading": {
        const level = Math.min(3, Math.max(1, Number(node.attrs?.level) || 1));
        out.push(withId(node, { type: `heading_${level}`, content: { text: inlineToRich(node.content) }, children: [] }));
        break;
      }
      case "bulletList":
      case "orderedList":
      case "taskList": {
        const type = node.type === "bulletList" ? "bulleted_list" : node.type === "orderedList" ? "numbered_list" : "todo";
        const items = (node.content ?? []).map((item) => itemToBlock(item, type));
        const number = node.type === "orderedList" ? Number(node.attrs?.start ?? 1) : 1;
        const start = Number.isInteger(number) && number >= 0 ? number : 1;
        // a list that does not start at 1, or that starts again right after another, keeps its number
        if (items.length && (start !== 1 || previousKind === "orderedList")) (items[0].content as Record<string, unknown>).start = start;
        out.push(...items);
        break;
      }
      case "quote":
        out.push(withId(node, { type: "quote", content: { text: inlineToRich(node.content) }, children: [] }));
        break;
      case "callout":
        out.push(
          withId(node, {
            type: "callout",
            content: {
              text: inlineToRich(node.content),
              icon: String(node.attrs?.icon || "💡"),
              color: CALLOUT_COLOR_NAMES.includes(node.attrs?.color) ? node.attrs!.color : "default",
            },
            children: [],
          }),
        );
        break;
      case "toggle": {
        const [summary, ...rest] = node.content ?? [];
        out.push(
          withId(node, {
            type: "toggle",
            content: { text: inlineToRich(summary?.content), collapsed: Boolean(node.attrs?.collapsed) },
            children: nodesToBlocks(rest),
          }),
        );
        break;
      }
      case "horizontalRule":
        out.push(withId(node, { type: "divider", content: {}, children: [] }));
        break;
      case "codeBlock":
        out.push(
          withId(node, {
            type: "code",
            content: { code: (node.content ?? []).map((t) => t.text ?? "").join(""), language: String(node.attrs?.language || "") },
            children: [],
          }),
        );
        break;
      case "image":
        out.push(
          withId(node, {
            type: "image",
            content: {
              attachment_id: Number.isInteger(node.attrs?.attachmentId) ? node.attrs!.attachmentId : null,
              url: String(node.attrs?.src || ""),
              caption: node.attrs?.caption ? [{ text: String(node.attrs.caption) }] : [],
            },
            children: [],
          }),
        );
        break;
      case "fileBlock":
        out.push(
          withId(node, {
            type: "file",
            content: {
              attachment_id: Number.isInteger(node.attrs?.attachmentId) ? node.attrs!.attachmentId : null,
              url: String(node.attrs?.url || ""),
              name: String(node.attrs?.name || ""),
            },
            children: [],
          }),
        );
        break;
      case "table":
        out.push(tableToBlock(node));
        break;
      case "equationBlock":
        out.push(withId(node, { type: "equation", content: { expression: String(node.attrs?.latex || "") }, children: [] }));
        break;
      case "canvasBlock": {
        const id = node.attrs?.canvasId;
        out.push(withId(node, { type: "canvas", content: { canvas_id: Number.isInteger(id) && id > 0 ? id : null }, children: [] }));
        break;
      }
      case "blockquote":
        // Pasted HTML quotes that were not turned into a quote node: keep their blocks.
        out.push(...nodesToBlocks(node.content ?? []));
        break;
      default:
        break;
    }
  }
  return out;
}

/** The page's blocks for PUT: the document without the empty paragraphs the editor keeps at its end. */
export function docToBlocks(doc: JSONContent): Block[] {
  const blocks = nodesToBlocks(doc.content ?? []);
  while (blocks.length) {
    const last = blocks[blocks.length - 1];
    if (last.type === "paragraph" && plainText(last.content.text) === "" && !(last.content.text as RichText).length && !last.children?.length) blocks.pop();
    else break;
  }
  return blocks;
}
