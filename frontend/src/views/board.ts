// The kanban board: one column per group of the view's group-by property (options in their order, then "No
// <property>"), cards with the title and the visible properties. Dragging a card to another column sets the
// row's value through PATCH /rows/{id}; "+ New" in a column adds a row with that column's value.

import type { ViewContext } from "./context";
import { renderValue } from "./cells";
import type { Group, Prop, Row } from "./types";
import { button, h, toast } from "./ui";

/** The API value that puts a row in the group ``key`` of ``prop``. */
export function groupValue(prop: Prop, key: string): unknown {
  if (prop.type === "checkbox") return key === "true";
  if (key === "") return null;
  if (prop.type === "person") return [Number(key)];
  return key;
}

export function renderBoard(context: ViewContext): void {
  const groupBy = context.view.config.group_by;
  const prop = groupBy ? context.props.get(groupBy.property) : undefined;
  if (!prop) {
    context.root.replaceChildren(h("p", { class: "dbv-empty" }, "Choose a property to group the board by (Group)."));
    return;
  }
  const movable = context.canEditRows && prop.editable && !prop.computed;
  const groups: Group[] = context.answer?.groups ?? [];
  const board = h("div", { class: "dbv-board", role: "list", "aria-label": context.view.name });
  const cardProps = context.columns().filter((column) => column.prop.type !== "title" && column.prop.id !== prop.id);
  for (const group of groups) {
    const rows = context.rows.filter((row) => (row.group ?? "") === group.key);
    const cards = h("div", { class: "dbv-cards" });
    for (const row of rows) cards.append(card(context, row, cardProps.map((column) => column.prop), movable));
    const column = h("section", { class: "dbv-column", role: "listitem", "data-group": group.key, "aria-label": group.label },
      h("header", { class: "dbv-column-head" }, h("span", { class: `dbv-chip color-${group.color || "default"}${prop.type === "status" || prop.type === "review_status" ? " is-status" : ""}` }, group.label),
        h("span", { class: "dbv-count" }, String(group.count))),
      cards);
    if (rows.length < group.count) {
      column.append(button(`Load ${Math.min(50, group.count - rows.length)} more`, async () => {
        // One column pages on its own (?group=): ask for what it shows plus the next 50.
        const answer = await context.fetchRows({ group: group.key, limit: String(Math.min(200, rows.length + 50)) });
        if (!answer) return;
        const seen = new Set(context.rows.map((row) => row.id));
        for (const row of answer.items) if (!seen.has(row.id)) context.rows.push({ ...row, group: group.key });
        context.rerender();
      }, { class: "dbv-column-add dbv-more" }));
    }
    if (context.canEditRows) {
      column.append(button("+ New", async () => {
        const created = await context.createRow(movable ? { [prop.id]: groupValue(prop, group.key) } : {});
        if (created) context.rerender();
      }, { class: "dbv-column-add" }));
    }
    if (movable) acceptDrops(context, column, prop, group);
    board.append(column);
  }
  context.root.replaceChildren(board);
}

function card(context: ViewContext, row: Row, props: Prop[], movable: boolean): HTMLElement {
  const element = h("article", { class: "dbv-card", "data-row-id": row.id, draggable: movable ? "true" : null, tabindex: 0 },
    h("a", { class: "dbv-card-title", href: context.pageUrl(row), draggable: "false" }, row.title || "Untitled"));
  for (const prop of props) {
    if (!row.display[String(prop.id)] && prop.type !== "checkbox") continue;
    element.append(h("div", { class: "dbv-card-prop", title: prop.name }, renderValue(prop, row, context)));
  }
  if (movable) {
    element.addEventListener("dragstart", (event) => {
      event.dataTransfer?.setData("application/x-workos-row", String(row.id));
      event.dataTransfer?.setData("text/plain", row.title);
      if (event.dataTransfer) event.dataTransfer.effectAllowed = "move";
      element.classList.add("is-dragged");
    });
    element.addEventListener("dragend", () => element.classList.remove("is-dragged"));
  }
  return element;
}

function acceptDrops(context: ViewContext, column: HTMLElement, prop: Prop, group: Group): void {
  column.addEventListener("dragover", (event) => {
    if (!event.dataTransfer?.types.includes("application/x-workos-row")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("is-drop-target");
  });
  column.addEventListener("dragleave", (event) => {
    if (!column.contains(event.relatedTarget as Node)) column.classList.remove("is-drop-target");
  });
  column.addEventListener("drop", async (event) => {
    event.preventDefault();
    column.classList.remove("is-drop-target");
    const id = Number(event.dataTransfer?.getData("application/x-workos-row"));
    const row = context.rows.find((item) => item.id === id);
    if (!row || (row.group ?? "") === group.key) return;
    const previous = row.group;
    row.group = group.key; // move at once; put back if the server refuses
    context.rerender();
    const kept = await context.updateRow(row, { [prop.id]: groupValue(prop, group.key) });
    if (!kept) {
      row.group = previous;
      context.rerender();
      toast(`Could not move “${row.title || "Untitled"}”.`);
    }
  });
}
