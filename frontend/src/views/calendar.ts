// The calendar: a month (or week) grid laid out by the view's date property. Rows come from
// GET /views/{id}/rows?date_from=&date_to= for the days on screen; a row with a date range shows on each of
// its days. "‹ ›" and "Today" move the window; a day's "+" adds a row on that day; dragging a row to another
// day moves its date (and the end of a range with it).

import type { ViewContext } from "./context";
import type { Row } from "./types";
import { button, h } from "./ui";

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

let anchorDay: Date | null = null; // the day the window is built around; kept while the page lives

function iso(day: Date): string {
  return `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, "0")}-${String(day.getDate()).padStart(2, "0")}`;
}

function addDays(day: Date, count: number): Date {
  return new Date(day.getFullYear(), day.getMonth(), day.getDate() + count);
}

function windowOf(mode: string, around: Date): { start: Date; days: number } {
  if (mode === "week") return { start: addDays(around, -around.getDay()), days: 7 };
  const first = new Date(around.getFullYear(), around.getMonth(), 1);
  const start = addDays(first, -first.getDay());
  const last = new Date(around.getFullYear(), around.getMonth() + 1, 0);
  const end = addDays(last, 6 - last.getDay());
  return { start, days: Math.round((end.getTime() - start.getTime()) / 86_400_000) + 1 };
}

function shiftDate(stored: string, days: number): string {
  const day = addDays(new Date(Number(stored.slice(0, 4)), Number(stored.slice(5, 7)) - 1, Number(stored.slice(8, 10))), days);
  return iso(day) + stored.slice(10);
}

export async function renderCalendar(context: ViewContext): Promise<void> {
  const config = context.view.config;
  const dateProp = config.date_property ? context.props.get(config.date_property) : undefined;
  if (!dateProp) {
    context.root.replaceChildren(h("p", { class: "dbv-empty" }, "This calendar needs a date property: add one, then choose it in the view options (⋯)."));
    return;
  }
  const mode = config.calendar_mode === "week" ? "week" : "month";
  const today = new Date();
  const around = anchorDay ?? today;
  const { start, days } = windowOf(mode, around);
  const end = addDays(start, days);
  const answer = await context.fetchRows({ date_from: iso(start), date_to: iso(end), limit: "200" });
  const rows = answer?.items ?? [];
  const key = String(dateProp.id);
  const byDay = new Map<string, Row[]>();
  for (const row of rows) {
    const value = row.values[key];
    if (!value?.start) continue;
    const first = value.start.slice(0, 10);
    const last = (value.end ?? value.start).slice(0, 10);
    for (let day = 0; day < days; day++) {
      const date = iso(addDays(start, day));
      if (date >= first && date <= last) byDay.set(date, [...(byDay.get(date) ?? []), row]);
    }
  }
  const movable = context.canEditRows && dateProp.editable && !dateProp.computed;
  const title = mode === "week" ? `${MONTHS[start.getMonth()]} ${start.getDate()} – ${MONTHS[addDays(end, -1).getMonth()]} ${addDays(end, -1).getDate()}, ${addDays(end, -1).getFullYear()}`
    : `${MONTHS[around.getMonth()]} ${around.getFullYear()}`;
  const move = (step: number) => {
    anchorDay = mode === "week" ? addDays(around, 7 * step) : new Date(around.getFullYear(), around.getMonth() + step, 1);
    void renderCalendar(context);
  };
  const head = h("div", { class: "dbv-calendar-head" },
    h("h2", { class: "dbv-calendar-title", "aria-live": "polite" }, title),
    h("span", { class: "dbv-muted" }, `by ${dateProp.name}`),
    h("span", { class: "dbv-grow" }),
    button("‹", () => move(-1), { class: "dbv-icon-button", "aria-label": mode === "week" ? "Previous week" : "Previous month", "data-action": "previous" }),
    button("Today", () => { anchorDay = null; void renderCalendar(context); }, { class: "dbv-link-button", "data-action": "today" }),
    button("›", () => move(1), { class: "dbv-icon-button", "aria-label": mode === "week" ? "Next week" : "Next month", "data-action": "next" }),
  );
  const grid = h("div", { class: `dbv-calendar-grid is-${mode}`, role: "grid", "aria-label": title });
  for (const name of WEEKDAYS) grid.append(h("div", { class: "dbv-weekday", role: "columnheader" }, name));
  for (let index = 0; index < days; index++) {
    const day = addDays(start, index);
    const date = iso(day);
    const cell = h("div", { class: "dbv-day" + (day.getMonth() !== around.getMonth() && mode === "month" ? " is-outside" : "") + (date === iso(today) ? " is-today" : ""),
      role: "gridcell", "data-date": date });
    const number = h("span", { class: "dbv-day-number" }, day.getDate() === 1 ? `${MONTHS[day.getMonth()].slice(0, 3)} 1` : String(day.getDate()));
    const top = h("div", { class: "dbv-day-top" });
    if (context.canEditRows) {
      top.append(button("+", async () => {
        const created = await context.createRow({ [dateProp.id]: date });
        if (created) void renderCalendar(context);
      }, { class: "dbv-day-add", "aria-label": `New row on ${date}`, title: "New" }));
    }
    top.append(number);
    cell.append(top);
    for (const row of byDay.get(date) ?? []) {
      const item = h("a", { class: "dbv-event", href: context.pageUrl(row), "data-row-id": row.id, draggable: movable ? "true" : "false" }, row.title || "Untitled");
      if (movable) {
        item.addEventListener("dragstart", (event) => {
          event.dataTransfer?.setData("application/x-workos-row", String(row.id));
          event.dataTransfer?.setData("application/x-workos-from", date);
        });
      }
      cell.append(item);
    }
    if (movable) {
      cell.addEventListener("dragover", (event) => {
        if (!event.dataTransfer?.types.includes("application/x-workos-row")) return;
        event.preventDefault();
        cell.classList.add("is-drop-target");
      });
      cell.addEventListener("dragleave", () => cell.classList.remove("is-drop-target"));
      cell.addEventListener("drop", async (event) => {
        event.preventDefault();
        cell.classList.remove("is-drop-target");
        const row = rows.find((item) => item.id === Number(event.dataTransfer?.getData("application/x-workos-row")));
        const from = event.dataTransfer?.getData("application/x-workos-from");
        const value = row?.values[key];
        if (!row || !from || !value?.start || from === date) return;
        const shift = Math.round((new Date(date).getTime() - new Date(from).getTime()) / 86_400_000);
        const moved = { start: shiftDate(value.start, shift), ...(value.end ? { end: shiftDate(value.end, shift) } : {}) };
        if (await context.updateRow(row, { [dateProp.id]: moved })) void renderCalendar(context);
      });
    }
    grid.append(cell);
  }
  const undated = (answer?.count ?? 0) > rows.length ? h("p", { class: "dbv-muted" }, "Some rows of this window are not shown (more than 200).") : null;
  context.root.replaceChildren(h("div", { class: "dbv-calendar" }, head, grid, undated));
}
