// The simple table: rows of cells, each cell one paragraph of rich text, with an optional header row and header
// column (the table's headerRow / headerColumn attributes decide which cells are headers). Cell selection and
// Tab between cells come from prosemirror-tables; rows, columns and headers change from the block menu.

import { type Editor, Extension, Node, mergeAttributes } from "@tiptap/core";
import { Fragment, type Node as PMNode } from "@tiptap/pm/model";
import { TextSelection } from "@tiptap/pm/state";
import { goToNextCell, tableEditing } from "@tiptap/pm/tables";

const MAX_COLUMNS = 100;
const MAX_ROWS = 1000;

const cellSpec = {
  content: "paragraph+",
  isolating: true,
  addAttributes() {
    // prosemirror-tables reads these; a simple table keeps them at their defaults
    return { colspan: { default: 1, rendered: false }, rowspan: { default: 1, rendered: false }, colwidth: { default: null, rendered: false } };
  },
};

export const TableCell = Node.create({
  name: "tableCell",
  ...cellSpec,
  parseHTML: () => [{ tag: "td" }],
  renderHTML: ({ HTMLAttributes }) => ["td", mergeAttributes(HTMLAttributes), 0],
});

export const TableHeader = Node.create({
  name: "tableHeader",
  ...cellSpec,
  parseHTML: () => [{ tag: "th" }],
  renderHTML: ({ HTMLAttributes }) => ["th", mergeAttributes(HTMLAttributes), 0],
});

export const TableRow = Node.create({
  name: "tableRow",
  content: "(tableCell | tableHeader)+",
  parseHTML: () => [{ tag: "tr" }],
  renderHTML: ({ HTMLAttributes }) => ["tr", mergeAttributes(HTMLAttributes), 0],
});

export const Table = Node.create({
  name: "table",
  group: "block",
  content: "tableRow+",
  isolating: true,
  addAttributes() {
    return {
      headerRow: { default: true, parseHTML: (el: HTMLElement) => el.classList.contains("has-header-row") || !!el.querySelector("thead") },
      headerColumn: { default: false, parseHTML: (el: HTMLElement) => el.classList.contains("has-header-column") },
    };
  },
  parseHTML: () => [{ tag: "table" }],
  renderHTML({ node, HTMLAttributes }) {
    const css = ["block-table", node.attrs.headerRow ? "has-header-row" : "", node.attrs.headerColumn ? "has-header-column" : ""].filter(Boolean).join(" ");
    return ["div", { class: "table-wrapper" }, ["table", mergeAttributes(HTMLAttributes, { class: css }), ["tbody", 0]]];
  },
  addProseMirrorPlugins() {
    return [tableEditing({ allowTableNodeSelection: true })];
  },
  addKeyboardShortcuts() {
    return {
      Tab: () => (this.editor.isActive("table") ? goToNextCell(1)(this.editor.state, this.editor.view.dispatch) || addRowAtEnd(this.editor) : false),
      "Shift-Tab": () => (this.editor.isActive("table") ? goToNextCell(-1)(this.editor.state, this.editor.view.dispatch) : false),
    };
  },
});

const TABLE_ROLES: Record<string, string> = { table: "table", tableRow: "row", tableCell: "cell", tableHeader: "header_cell" };

export const TableKit = Extension.create({
  name: "workosTable",
  addExtensions: () => [Table, TableRow, TableHeader, TableCell],
  // prosemirror-tables finds the table's parts by their schema's tableRole
  extendNodeSchema: (extension) => (TABLE_ROLES[extension.name] ? { tableRole: TABLE_ROLES[extension.name] } : {}),
});

/** The cells' contents, row by row. */
function cellsOf(table: PMNode): Fragment[][] {
  const rows: Fragment[][] = [];
  table.forEach((row) => {
    const cells: Fragment[] = [];
    row.forEach((cell) => cells.push(cell.content));
    rows.push(cells);
  });
  return rows;
}

/** A table node from cell contents, header cells where the attributes say. */
function buildTable(editor: Editor, attrs: Record<string, unknown>, rows: (Fragment | null)[][]): PMNode {
  const { schema } = editor;
  const width = Math.max(1, ...rows.map((row) => row.length));
  const rowNodes = rows.map((row, rowIndex) => {
    const cells: PMNode[] = [];
    for (let index = 0; index < width; index++) {
      const header = (rowIndex === 0 && attrs.headerRow) || (index === 0 && attrs.headerColumn);
      const type = header ? schema.nodes.tableHeader : schema.nodes.tableCell;
      const content = row[index];
      cells.push(type.create(null, content && content.size ? content : schema.nodes.paragraph.create()));
    }
    return schema.nodes.tableRow.create(null, cells);
  });
  return schema.nodes.table.create(attrs, rowNodes);
}

/** Rebuild the table at `pos` with `change` applied to its rows and attributes (one undo step). */
function changeTable(editor: Editor, pos: number, change: (rows: (Fragment | null)[][], attrs: Record<string, unknown>) => void): boolean {
  const table = editor.state.doc.nodeAt(pos);
  if (!table || table.type.name !== "table") return false;
  const rows: (Fragment | null)[][] = cellsOf(table);
  const attrs = { ...table.attrs };
  change(rows, attrs);
  if (!rows.length || !rows[0].length) return false;
  const replacement = buildTable(editor, attrs, rows);
  editor.view.dispatch(editor.state.tr.replaceWith(pos, pos + table.nodeSize, replacement));
  return true;
}

export function setTableHeader(editor: Editor, pos: number, which: "headerRow" | "headerColumn", on: boolean) {
  return changeTable(editor, pos, (_rows, attrs) => (attrs[which] = on));
}

export function addTableRow(editor: Editor, pos: number) {
  return changeTable(editor, pos, (rows) => rows.length < MAX_ROWS && rows.push(rows[0].map(() => null)));
}

export function addTableColumn(editor: Editor, pos: number) {
  return changeTable(editor, pos, (rows) => rows[0].length < MAX_COLUMNS && rows.forEach((row) => row.push(null)));
}

export function removeTableRow(editor: Editor, pos: number) {
  return changeTable(editor, pos, (rows) => rows.length > 1 && rows.pop());
}

export function removeTableColumn(editor: Editor, pos: number) {
  return changeTable(editor, pos, (rows) => rows[0].length > 1 && rows.forEach((row) => row.pop()));
}

/** Tab in the last cell adds a row and moves into it (as in Notion). */
function addRowAtEnd(editor: Editor): boolean {
  const { $from } = editor.state.selection;
  for (let depth = $from.depth; depth > 0; depth--) {
    if ($from.node(depth).type.name !== "table") continue;
    const pos = $from.before(depth);
    if (!addTableRow(editor, pos)) return false;
    const table = editor.state.doc.nodeAt(pos)!;
    const lastRowStart = pos + table.nodeSize - 1 - table.lastChild!.nodeSize;
    editor.view.dispatch(editor.state.tr.setSelection(TextSelection.near(editor.state.doc.resolve(lastRowStart + 2))));
    return true;
  }
  return false;
}

/** A new 3 × 3 table with a header row, the cursor in its first cell. */
export function newTable(editor: Editor): PMNode {
  const empty: null[][] = [[null, null, null], [null, null, null], [null, null, null]];
  return buildTable(editor, { headerRow: true, headerColumn: false }, empty);
}
