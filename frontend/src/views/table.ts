// The table: columns are the view's visible properties in order and at their widths (drag a header's edge);
// a click edits a cell in place, a checkbox toggles at once; "+ New" adds a row by its title; the footer holds
// each column's calculation; a grouped table shows a header per group.

import type { ViewContext } from "./context";
import { rowTotal } from "./count";
import { selectBox, selectionBar } from "./bulk";
import { TYPE_ICONS, editCell, isEditable, renderValue } from "./cells";
import type { Prop, Row } from "./types";
import { button, h, popover } from "./ui";

const DEFAULT_WIDTH = 200;
const TITLE_WIDTH = 280;
const CALCULATIONS: [string, string][] = [["", "None"], ["count", "Count all"], ["empty", "Count empty"], ["filled", "Count not empty"],
  ["unique", "Count unique values"], ["percent_empty", "Percent empty"], ["percent_filled", "Percent not empty"], ["sum", "Sum"],
  ["average", "Average"], ["min", "Min"], ["max", "Max"]];
const CALC_SHORT: Record<string, string> = { count: "Count", empty: "Empty", filled: "Not empty", unique: "Unique", percent_empty: "Empty",
  percent_filled: "Not empty", sum: "Sum", average: "Average", min: "Min", max: "Max" };
const NUMERIC = new Set(["number", "formula", "rollup", "unique_id"]);
const DATES = new Set(["date", "created_time", "last_edited_time", "formula", "rollup"]);

export function renderTable(context: ViewContext): void {
  const columns = context.columns();
  const table = h("table", { class: "dbv-table", role: "grid", "aria-label": context.view.name });
  const colgroup = h("colgroup");
  for (const column of columns) {
    const col = h("col");
    col.style.width = (column.width ?? (column.prop.type === "title" ? TITLE_WIDTH : DEFAULT_WIDTH)) + "px";
    colgroup.append(col);
  }
  colgroup.append(h("col", { class: "dbv-col-add" }));
  table.append(colgroup);

  const headRow = h("tr");
  columns.forEach((column, index) => {
    const th = h("th", { scope: "col", "data-prop-id": column.prop.id });
    const label = button("", (event) => context.propertyMenu(event.currentTarget as HTMLElement, column.prop), { class: "dbv-th", title: column.prop.name });
    label.append(h("span", { class: "dbv-type-icon", "aria-hidden": "true" }, TYPE_ICONS[column.prop.type] ?? "•"), h("span", { class: "dbv-th-name" }, column.prop.name));
    th.append(label);
    if (context.canChangeView) th.append(resizeHandle(context, colgroup.children[index] as HTMLElement, column.prop.id));
    headRow.append(th);
  });
  const addTh = h("th", { class: "dbv-th-add" });
  if (context.canEditRows) addTh.append(button("+", (event) => context.addProperty(event.currentTarget as HTMLElement), { class: "dbv-add-property", "aria-label": "Add a property", title: "Add a property" }));
  headRow.append(addTh);
  table.append(h("thead", {}, headRow));

  const body = h("tbody");
  let lastGroup: string | null | undefined;
  const grouped = !!context.view.config.group_by;
  for (const row of context.rows) {
    if (grouped && row.group !== lastGroup) {
      lastGroup = row.group;
      const group = context.groupLabel(row.group ?? "");
      const header = h("td", { colspan: columns.length + 1 }, h("span", { class: `dbv-chip color-${group?.color || "default"}` }, group?.label ?? "—"),
        h("span", { class: "dbv-count" }, String(group?.count ?? "")));
      body.append(h("tr", { class: "dbv-group-row" }, header));
    }
    body.append(renderRow(context, row, columns));
  }
  table.append(body);

  const foot = h("tfoot");
  if (context.canEditRows) {
    const cell = h("td", { colspan: columns.length + 1 });
    cell.append(button("+ New", () => quickAdd(context, cell), { class: "dbv-quick-add", "data-action": "quick-add" }));
    foot.append(h("tr", { class: "dbv-new-row" }, cell));
  }
  const footer = h("tr", { class: "dbv-footer" });
  for (const column of columns) footer.append(footerCell(context, column.prop));
  footer.append(h("td"));
  foot.append(footer);
  table.append(foot);

  const wrap = h("div", { class: "dbv-table-wrap" }, table);
  context.root.replaceChildren(wrap);
  const bar = selectionBar(context);
  if (bar) context.root.prepend(bar);
  if (!context.rows.length) wrap.append(h("p", { class: "dbv-empty" }, context.view.config.filter ? "No rows match the filter." : "No rows yet."));
  if (context.answer?.next_cursor) wrap.append(button("Load more", () => void context.loadMore(), { class: "dbv-load-more" }));
  const total = rowTotal(context);
  if (total && context.rows.length) wrap.append(total);
}

function renderRow(context: ViewContext, row: Row, columns: { prop: Prop }[]): HTMLTableRowElement {
  const tr = h("tr", { class: "dbv-row", "data-row-id": row.id });
  for (const { prop } of columns) {
    const td = h("td", { "data-prop-id": prop.id, class: `dbv-cell type-${prop.type}` });
    td.append(renderValue(prop, row, context));
    if (prop.type === "title") {
      if (context.canEditRows) td.prepend(selectBox(context, row));
      td.append(h("span", { class: "dbv-row-tools" },
        h("a", { class: "dbv-open", href: context.pageUrl(row), title: "Open as page" }, "↗ Open"),
        context.canEditRows ? button("⋯", (event) => context.rowMenu(event.currentTarget as HTMLElement, row), { class: "dbv-icon-button", "aria-label": "Row actions" }) : null));
    }
    if (context.canEditRows && isEditable(prop)) {
      td.tabIndex = 0;
      const activate = (event: Event) => {
        if ((event.target as HTMLElement).closest("a, .dbv-row-tools, .dbv-select")) return;
        if (prop.type === "checkbox") {
          void context.updateRow(row, { [prop.id]: !row.values[String(prop.id)] });
          return;
        }
        editCell(td, prop, row, (value) => context.updateRow(row, { [prop.id]: value }), context.editor);
      };
      td.addEventListener("click", activate);
      td.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && event.target === td) {
          event.preventDefault();
          activate(event);
        }
      });
    }
    tr.append(td);
  }
  tr.append(h("td", { class: "dbv-cell-filler" }));
  return tr;
}

function quickAdd(context: ViewContext, cell: HTMLElement): void {
  const input = h("input", { type: "text", class: "dbv-quick-input", placeholder: "Type a name, press Enter", "aria-label": "Name of the new row" });
  cell.replaceChildren(input);
  input.focus();
  let busy = false;
  input.addEventListener("keydown", async (event) => {
    if (event.key === "Enter" && !busy) {
      event.preventDefault();
      busy = true;
      const created = await context.createRow({ [context.titleProp.id]: input.value.trim() });
      busy = false;
      if (created) {
        context.rerender();
        const again = context.root.querySelector<HTMLButtonElement>("[data-action=quick-add]");
        again?.click();
      }
    } else if (event.key === "Escape") {
      context.rerender();
    }
  });
  input.addEventListener("blur", () => {
    if (!busy && !input.value.trim()) window.setTimeout(() => context.rerender(), 100);
  });
}

function footerCell(context: ViewContext, prop: Prop): HTMLTableCellElement {
  const td = h("td", { class: "dbv-calc", "data-prop-id": prop.id });
  const calculation = context.view.config.calculations[String(prop.id)];
  const result = context.answer?.footer[String(prop.id)];
  const label = button("", (event) => {
    if (!context.canChangeView) return;
    const { body, close } = popover(event.currentTarget as HTMLElement, { className: "dbv-menu", label: "Calculate" });
    for (const [value, name] of CALCULATIONS) {
      if ((value === "sum" || value === "average") && !NUMERIC.has(prop.type)) continue;
      if ((value === "min" || value === "max") && !NUMERIC.has(prop.type) && !DATES.has(prop.type)) continue;
      body.append(button(name, async () => {
        close();
        const calculations = { ...context.view.config.calculations };
        if (value) calculations[String(prop.id)] = value;
        else delete calculations[String(prop.id)];
        await context.saveConfig({ calculations });
      }, { class: "dbv-menu-item" + (value === (calculation ?? "") ? " is-current" : "") }));
    }
  }, { class: "dbv-calc-button" + (calculation ? " is-set" : ""), "aria-label": "Calculate " + prop.name });
  if (calculation) label.append(h("span", { class: "dbv-calc-name" }, CALC_SHORT[calculation] ?? calculation), h("span", { class: "dbv-calc-value" }, result?.display ?? ""));
  else label.append(h("span", { class: "dbv-calc-hint" }, "Calculate ⌄"));
  td.append(label);
  return td;
}

function resizeHandle(context: ViewContext, col: HTMLElement, propId: number): HTMLElement {
  const handle = h("span", { class: "dbv-resize", "aria-hidden": "true" });
  handle.addEventListener("mousedown", (event) => {
    event.preventDefault();
    const startX = event.clientX;
    const startWidth = col.getBoundingClientRect().width || DEFAULT_WIDTH;
    let width = startWidth;
    const move = (moveEvent: MouseEvent) => {
      width = Math.max(60, Math.min(1200, Math.round(startWidth + moveEvent.clientX - startX)));
      col.style.width = width + "px";
    };
    const up = () => {
      document.removeEventListener("mousemove", move);
      document.removeEventListener("mouseup", up);
      if (Math.abs(width - startWidth) < 2) return;
      const properties = context.view.config.properties.map((column) => (column.property === propId ? { ...column, width } : column));
      void context.saveConfig({ properties });
    };
    document.addEventListener("mousemove", move);
    document.addEventListener("mouseup", up);
  });
  return handle;
}
