// Bulk edit and delete in a table: a checkbox on each row's title cell selects it; the bar above the table says
// how many are selected, offers "Select all N matching" (every row of the view's filter, at most 1,000 — the
// server refuses more and says so), "Set a property…" (PATCH /databases/{id}/rows) and "Delete" (after a
// confirmation, POST /databases/{id}/rows/archive; the toast's Undo brings the same rows back from the trash).

import type { ViewContext } from "./context";
import { editCell, isEditable } from "./cells";
import type { Prop, Row } from "./types";
import { button, h, popover } from "./ui";

export interface Selection {
  ids: Set<number>;
  /** every row matching the view's filter, not only the ones on screen */
  allMatching: boolean;
}

/** The rows a bulk request names: by id, or the view's filter when every matching row is selected. */
export function selectionBody(context: ViewContext): { row_ids?: number[]; filter?: unknown } {
  if (context.selection.allMatching) return { filter: context.view.config.filter ?? {} };
  return { row_ids: [...context.selection.ids] };
}

export function selectionCount(context: ViewContext): number {
  const { selection, answer } = context;
  return selection.allMatching && answer?.count != null ? answer.count : selection.ids.size;
}

export function selectBox(context: ViewContext, row: Row): HTMLElement {
  const box = h("input", { type: "checkbox", class: "dbv-select", "aria-label": "Select " + (row.title || "Untitled") });
  box.checked = context.selection.allMatching || context.selection.ids.has(row.id);
  box.addEventListener("click", (event) => event.stopPropagation());
  box.addEventListener("change", () => {
    if (context.selection.allMatching) {  // leaving "all matching": the rows on screen stay selected but this one
      context.selection.allMatching = false;
      context.selection.ids = new Set(context.rows.map((item) => item.id));
    }
    if (box.checked) context.selection.ids.add(row.id);
    else context.selection.ids.delete(row.id);
    context.rerender();
  });
  return box;
}

export function selectionBar(context: ViewContext): HTMLElement | null {
  const { selection } = context;
  if (!context.canEditRows) return null;
  const all = h("input", { type: "checkbox", class: "dbv-select-all", "aria-label": "Select the rows shown" });
  all.checked = context.rows.length > 0 && (selection.allMatching || context.rows.every((row) => selection.ids.has(row.id)));
  all.addEventListener("change", () => {
    selection.allMatching = false;
    selection.ids = all.checked ? new Set(context.rows.map((row) => row.id)) : new Set();
    context.rerender();
  });
  const bar = h("div", { class: "dbv-bulk-bar", "data-selected": selectionCount(context) }, all);
  const count = selectionCount(context);
  if (!count) return bar;
  const total = context.answer?.count;
  bar.append(h("span", { class: "dbv-bulk-count" }, `${count.toLocaleString("en-US")}${selection.allMatching && context.answer?.count_exact === false ? "+" : ""} selected`));
  // "all matching" is the view's filter: offered when the search box is empty (a search is not a filter)
  if (!selection.allMatching && !context.searching && total != null && total > count && context.rows.every((row) => selection.ids.has(row.id))) {
    bar.append(button(`Select all ${total.toLocaleString("en-US")}${context.answer?.count_exact === false ? "+" : ""} matching`, () => {
      selection.allMatching = true;
      context.rerender();
    }, { class: "dbv-link-button", "data-action": "select-all-matching" }));
  }
  bar.append(
    button("Set a property…", (event) => setProperty(context, event.currentTarget as HTMLElement), { class: "dbv-link-button", "data-action": "bulk-set" }),
    button("Delete", () => void context.bulkDelete(), { class: "dbv-link-button is-danger", "data-action": "bulk-delete" }),
    button("Clear", () => {
      selection.allMatching = false;
      selection.ids = new Set();
      context.rerender();
    }, { class: "dbv-link-button", "data-action": "bulk-clear" }),
  );
  return bar;
}

function setProperty(context: ViewContext, anchor: HTMLElement): void {
  const { body, close } = popover(anchor, { className: "dbv-menu", label: "Set a property" });
  const editable = context.properties.filter((prop) => isEditable(prop) && prop.type !== "title" && prop.type !== "relation");
  for (const prop of editable) {
    body.append(button(prop.name, () => {
      close();
      chooseValue(context, anchor, prop);
    }, { class: "dbv-menu-item" }));
  }
  if (!editable.length) body.append(h("p", { class: "dbv-muted" }, "No property can be set in bulk."));
}

function chooseValue(context: ViewContext, anchor: HTMLElement, prop: Prop): void {
  const blank: Row = { id: 0, page_id: 0, number: 0, title: "", values: {}, display: {}, errors: {}, relation_totals: {} };
  if (prop.type === "checkbox") {
    const { body, close } = popover(anchor, { className: "dbv-menu", label: "Set " + prop.name });
    for (const [label, value] of [["Checked", true], ["Unchecked", false]] as const) {
      body.append(button(label, () => {
        close();
        void context.bulkSet({ [prop.id]: value });
      }, { class: "dbv-menu-item" }));
    }
    return;
  }
  editCell(anchor, prop, blank, (value) => context.bulkSet({ [prop.id]: value }), context.editor);
}
