// How a cell reads (chips for options and people, links for URLs, a checkbox ...) and how it is edited in place
// (an input over the cell, an option picker, a date picker, a member picker). Values travel in the API's own
// shapes (ipai_workos_db/api.py); the server validates them and its message is shown when it refuses one.

import { api } from "../lib/api";
import type { Member, Option, Prop, Row } from "./types";
import { button, closePopover, failure, h, popover, toast } from "./ui";

export const TEXT_TYPES = new Set(["title", "text", "url", "email", "phone"]);
export const OPTION_TYPES = new Set(["select", "status", "multi_select"]);

export const TYPE_LABELS: Record<string, string> = {
  title: "Title", text: "Text", number: "Number", select: "Select", multi_select: "Multi-select", status: "Status", date: "Date",
  person: "Person", checkbox: "Checkbox", url: "URL", email: "Email", phone: "Phone", files: "Files & media", relation: "Relation",
  rollup: "Rollup", formula: "Formula", created_time: "Created time", created_by: "Created by", last_edited_time: "Last edited time",
  last_edited_by: "Last edited by", unique_id: "ID", review_status: "Review status",
};

export const TYPE_ICONS: Record<string, string> = {
  title: "Aa", text: "≡", number: "#", select: "⌄", multi_select: "☷", status: "◔", date: "▦", person: "☺", checkbox: "☑", url: "🔗",
  email: "@", phone: "☎", files: "📎", relation: "↗", rollup: "⌕", formula: "Σ", created_time: "◷", created_by: "☺",
  last_edited_time: "◷", last_edited_by: "☺", unique_id: "№", review_status: "◑",
};

export function optionsOf(prop: Prop): Option[] {
  return Array.isArray(prop.config?.options) ? prop.config.options : [];
}

export function chip(text: string, color: string | null | undefined, extra = ""): HTMLElement {
  return h("span", { class: `dbv-chip color-${color || "default"} ${extra}`.trim() }, text);
}

function safeHref(url: string): string | null {
  if (/^https?:\/\//i.test(url) || /^\/api\/v1\/attachments\/\d+\/content$/.test(url)) return url;
  return null;
}

export interface CellContext {
  members: Member[];
}

/** The cell as a person reads it. */
export function renderValue(prop: Prop, row: Row, _context: CellContext): HTMLElement {
  const key = String(prop.id);
  const value = row.values[key];
  const text = row.display[key] ?? "";
  const wrap = h("span", { class: `dbv-value type-${prop.type}` });
  if (row.errors[key]) {
    wrap.append(h("span", { class: "dbv-error", title: row.errors[key] }, "⚠ " + row.errors[key]));
    return wrap;
  }
  switch (prop.type) {
    case "title":
      wrap.append(row.title ? h("span", { class: "dbv-title-text" }, row.title) : h("span", { class: "dbv-title-text is-empty" }, "Untitled"));
      break;
    case "select":
    case "status":
    case "review_status": {
      const option = optionsOf(prop).find((item) => item.id === value);
      if (option) wrap.append(chip(option.name, option.color, prop.type === "select" ? "" : "is-status"));
      break;
    }
    case "multi_select":
      for (const id of (value as string[]) ?? []) {
        const option = optionsOf(prop).find((item) => item.id === id);
        if (option) wrap.append(chip(option.name, option.color));
      }
      break;
    case "checkbox":
      wrap.append(h("span", { class: "dbv-check" + (value ? " is-checked" : ""), role: "img", "aria-label": value ? "Checked" : "Unchecked" }, value ? "✓" : ""));
      break;
    case "url": {
      const href = typeof value === "string" ? safeHref(value) : null;
      wrap.append(href ? h("a", { href, target: "_blank", rel: "noopener noreferrer", class: "dbv-link" }, text) : text);
      break;
    }
    case "email":
      wrap.append(value ? h("a", { href: "mailto:" + value, class: "dbv-link" }, text) : "");
      break;
    case "phone":
      wrap.append(value ? h("a", { href: "tel:" + String(value).replace(/[^+\d]/g, ""), class: "dbv-link" }, text) : "");
      break;
    case "person":
    case "created_by":
    case "last_edited_by": {
      const names = text ? text.split(", ") : [];
      for (const name of names) wrap.append(h("span", { class: "dbv-person" }, h("span", { class: "dbv-avatar", "aria-hidden": "true" }, name.slice(0, 1).toUpperCase()), name));
      break;
    }
    case "files":
      for (const file of (value as { name: string; url: string }[]) ?? []) {
        const href = safeHref(file.url);
        wrap.append(href ? h("a", { href, target: "_blank", rel: "noopener noreferrer", class: "dbv-file" }, file.name) : h("span", { class: "dbv-file" }, file.name));
      }
      break;
    case "relation": {
      for (const name of text ? text.split(", ") : []) wrap.append(h("span", { class: "dbv-relation" }, "↗ " + name));
      const total = row.relation_totals?.[key] ?? 0;
      const shown = Array.isArray(value) ? value.length : 0;
      if (total > shown) {
        const more = button(`+${(total - shown).toLocaleString("en-US")} more`, (event) => {
          event.stopPropagation();
          void showRelated(more, row, prop);
        }, { class: "dbv-relation-more", "data-action": "relation-more" });
        wrap.append(more);
      }
      break;
    }
    default:
      wrap.append(text);
  }
  return wrap;
}

interface RelatedPage {
  items: { id: number; page_id: number; title: string }[];
  total: number;
  hidden: boolean;
  next_cursor: string | null;
}

/** Every row a relation cell links to (the cell shows the first ones): a list that loads a page at a time. */
async function showRelated(anchor: HTMLElement, row: Row, prop: Prop): Promise<void> {
  const { body } = popover(anchor, { className: "dbv-picker", label: `${prop.name}: linked rows`, minWidth: 260 });
  const list = h("div", { class: "dbv-picker-list dbv-related-list" });
  const heading = h("p", { class: "dbv-muted" }, "Loading…");
  body.append(heading, list);
  const load = async (cursor: string | null) => {
    try {
      const query = new URLSearchParams({ limit: "100", ...(cursor ? { cursor } : {}) });
      const page = await api<RelatedPage>("GET", `/rows/${row.id}/relations/${prop.id}?${query}`);
      heading.textContent = `${page.total.toLocaleString("en-US")} linked row${page.total === 1 ? "" : "s"}` + (page.hidden ? " · No access to some" : "");
      list.querySelector(".dbv-load-more")?.remove();
      for (const item of page.items) list.append(h("a", { class: "dbv-picker-item", href: `/web/pages/${item.page_id}` }, "↗ " + (item.title || "Untitled")));
      if (page.next_cursor) list.append(button("Load more", () => void load(page.next_cursor), { class: "dbv-load-more" }));
    } catch (error) {
      heading.textContent = failure(error);
    }
  };
  await load(null);
}

/** Add an option to a select, status or multi-select property (from its cell editor); the new option or null. */
export async function addOption(prop: Prop, name: string): Promise<Option | null> {
  const options = [...optionsOf(prop).map((option) => ({ ...option })), { name }];
  try {
    const answer = await api<{ property: Prop }>("PATCH", `/properties/${prop.id}`, { config: { ...prop.config, options } });
    Object.assign(prop, answer.property);
    return optionsOf(prop).find((option) => option.name.toLowerCase() === name.toLowerCase()) ?? null;
  } catch (error) {
    toast(failure(error));
    return null;
  }
}

/** Whether a click on the cell opens an editor (computed and automatic properties cannot be set). */
export function isEditable(prop: Prop): boolean {
  return prop.editable && !prop.computed;
}

type Commit = (value: unknown) => Promise<boolean>;

export interface EditorContext extends CellContext {
  addOption(prop: Prop, name: string): Promise<Option | null>;
}

/** Open the editor of one cell over ``anchor``. ``commit`` sends the API value; it answers whether it was kept. */
export function editCell(anchor: HTMLElement, prop: Prop, row: Row, commit: Commit, context: EditorContext): void {
  const current = prop.type === "title" ? row.title : row.values[String(prop.id)];
  if (TEXT_TYPES.has(prop.type) || prop.type === "number") return editText(anchor, prop, current, commit);
  if (OPTION_TYPES.has(prop.type)) return editOptions(anchor, prop, current, commit, context);
  if (prop.type === "date") return editDate(anchor, prop, current, commit);
  if (prop.type === "person") return editPeople(anchor, current ?? [], commit, context.members);
  if (prop.type === "files") return editFiles(anchor, current ?? [], commit);
  if (prop.type === "relation") {
    // a list of rows holds a relation's first links only: edit the whole list, read from the row itself
    if ((row.relation_totals?.[String(prop.id)] ?? 0) > ((current as number[] | undefined)?.length ?? 0)) {
      void api<Row>("GET", `/rows/${row.id}`).then((full) => editRelation(anchor, prop, full.values[String(prop.id)] ?? [], commit),
        (error) => toast(failure(error)));
      return;
    }
    return editRelation(anchor, prop, current ?? [], commit);
  }
}

function editText(anchor: HTMLElement, prop: Prop, current: unknown, commit: Commit) {
  const multiline = prop.type === "text";
  const input = multiline ? h("textarea", { class: "dbv-cell-input", rows: 3 }) : h("input", { class: "dbv-cell-input", type: "text" });
  input.setAttribute("aria-label", prop.name);
  input.value = current === null || current === undefined ? "" : String(current);
  if (prop.type === "number") input.setAttribute("inputmode", "decimal");
  let done = false;
  const finish = async (save: boolean) => {
    if (done) return;
    done = true;
    const text = input.value;
    close();
    if (!save || text === (current === null || current === undefined ? "" : String(current))) return;
    let value: unknown = text.trim() === "" ? null : text;
    if (prop.type === "number" && value !== null) {
      const number = Number(String(value).replace(/,/g, "").trim());
      value = Number.isFinite(number) ? number : text; // the server explains what a number looks like
    }
    await commit(value);
  };
  const { body, close } = popover(anchor, { className: "dbv-cell-editor", cover: true, label: "Edit " + prop.name, onClose: () => void finish(true) });
  body.append(input);
  input.addEventListener("keydown", (event) => {
    const key = (event as KeyboardEvent).key;
    if (key === "Enter" && !(event as KeyboardEvent).shiftKey) {
      event.preventDefault();
      void finish(true);
    } else if (key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      done = true;
      close();
    }
  });
  input.focus();
  input.select();
}

function editOptions(anchor: HTMLElement, prop: Prop, current: unknown, commit: Commit, context: EditorContext) {
  const multi = prop.type === "multi_select";
  let chosen: string[] = multi ? [...((current as string[]) ?? [])] : current ? [current as string] : [];
  const { body, close } = popover(anchor, { className: "dbv-picker", label: "Choose " + prop.name, minWidth: 240 });
  const search = h("input", { type: "text", class: "dbv-picker-search", placeholder: prop.type === "status" ? "Search for a status" : "Search for an option…", "aria-label": "Search options" });
  const list = h("div", { class: "dbv-picker-list", role: "listbox" });
  const selected = h("div", { class: "dbv-picker-selected" });
  body.append(selected, search, list);
  const choose = async (id: string | null) => {
    if (multi) {
      if (id === null) chosen = [];
      else chosen = chosen.includes(id) ? chosen.filter((item) => item !== id) : [...chosen, id];
      if (await commit(chosen.length ? chosen : null)) draw();
    } else {
      close();
      await commit(id);
    }
  };
  const draw = () => {
    selected.replaceChildren(...chosen.map((id) => {
      const option = optionsOf(prop).find((item) => item.id === id);
      return option ? chip(option.name, option.color) : "";
    }));
    const query = search.value.trim().toLowerCase();
    const matching = optionsOf(prop).filter((option) => option.name.toLowerCase().includes(query));
    list.replaceChildren();
    for (const option of matching) {
      const item = h("button", { type: "button", class: "dbv-picker-item", role: "option", "aria-selected": chosen.includes(option.id) ? "true" : "false" },
        chip(option.name, option.color), chosen.includes(option.id) ? h("span", { class: "dbv-tick" }, "✓") : "");
      item.addEventListener("click", () => void choose(option.id));
      list.append(item);
    }
    const exact = optionsOf(prop).some((option) => option.name.toLowerCase() === query);
    if (query && !exact) {
      const create = h("button", { type: "button", class: "dbv-picker-item is-create" }, "Create ", chip(search.value.trim(), "default"));
      create.addEventListener("click", async () => {
        const option = await context.addOption(prop, search.value.trim());
        if (option) {
          search.value = "";
          await choose(option.id);
        }
      });
      list.append(create);
    }
    if (chosen.length) list.append(button("Clear", () => void choose(null), { class: "dbv-picker-clear" }));
  };
  search.addEventListener("input", draw);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      (list.querySelector(".dbv-picker-item") as HTMLButtonElement | null)?.click();
    }
  });
  draw();
  search.focus();
}

function editDate(anchor: HTMLElement, prop: Prop, current: any, commit: Commit) {
  const withTime = !!prop.config?.include_time || (typeof current?.start === "string" && current.start.length > 10);
  const type = withTime ? "datetime-local" : "date";
  const toInput = (stored?: string) => (stored ? (withTime ? stored.slice(0, 16) : stored.slice(0, 10)) : "");
  const fromInput = (text: string) => (withTime && text ? text + ":00Z" : text);
  const { body, close } = popover(anchor, { className: "dbv-date-editor", label: "Choose a date" });
  const start = h("input", { type, "aria-label": "Start date" });
  start.value = toInput(current?.start);
  const end = h("input", { type, "aria-label": "End date" });
  end.value = toInput(current?.end);
  const hasEnd = h("input", { type: "checkbox", "aria-label": "End date" });
  hasEnd.checked = !!current?.end;
  end.hidden = !hasEnd.checked;
  const save = async () => {
    const value = start.value ? { start: fromInput(start.value), ...(hasEnd.checked && end.value ? { end: fromInput(end.value) } : {}) } : null;
    await commit(value);
  };
  start.addEventListener("change", save);
  end.addEventListener("change", save);
  hasEnd.addEventListener("change", () => {
    end.hidden = !hasEnd.checked;
    if (!hasEnd.checked) void save();
  });
  body.append(
    h("label", { class: "dbv-field" }, "Date", start),
    h("label", { class: "dbv-field is-inline" }, hasEnd, "End date"),
    end,
    h("div", { class: "dbv-row-actions" },
      button("Today", () => { start.value = toInput(new Date().toISOString().slice(0, withTime ? 16 : 10)); void save(); }),
      button("Clear", () => { close(); void commit(null); })),
  );
  start.focus();
}

function editPeople(anchor: HTMLElement, current: number[], commit: Commit, members: Member[]) {
  let chosen = [...current];
  const { body } = popover(anchor, { className: "dbv-picker", label: "Choose people", minWidth: 220 });
  const list = h("div", { class: "dbv-picker-list", role: "listbox" });
  const draw = () => {
    list.replaceChildren(...members.map((member) => {
      const item = h("button", { type: "button", class: "dbv-picker-item", role: "option", "aria-selected": chosen.includes(member.id) ? "true" : "false" },
        h("span", { class: "dbv-person" }, h("span", { class: "dbv-avatar" }, member.name.slice(0, 1).toUpperCase()), member.name),
        chosen.includes(member.id) ? h("span", { class: "dbv-tick" }, "✓") : "");
      item.addEventListener("click", async () => {
        const next = chosen.includes(member.id) ? chosen.filter((id) => id !== member.id) : [...chosen, member.id];
        if (await commit(next.length ? next : null)) {
          chosen = next;
          draw();
        }
      });
      return item;
    }));
    if (!members.length) list.append(h("p", { class: "dbv-muted" }, "No members to choose from."));
  };
  body.append(list);
  draw();
}

function editFiles(anchor: HTMLElement, current: { name: string; url: string }[], commit: Commit) {
  const { body, close } = popover(anchor, { className: "dbv-files-editor", label: "Files and links", minWidth: 320 });
  const input = h("textarea", { rows: 4, "aria-label": "File links, one per line", placeholder: "https://… (one link per line)" });
  input.value = current.map((file) => file.url).join("\n");
  body.append(input, h("div", { class: "dbv-row-actions" }, button("Save", async () => {
    const urls = input.value.split("\n").map((line) => line.trim()).filter(Boolean);
    const keep = new Map(current.map((file) => [file.url, file.name]));
    if (await commit(urls.length ? urls.map((url) => ({ url, ...(keep.has(url) ? { name: keep.get(url) } : {}) })) : null)) close();
  }, { class: "dbv-primary" })));
  input.focus();
}

function editRelation(anchor: HTMLElement, prop: Prop, current: number[], commit: Commit) {
  let chosen = [...current];
  const target = prop.config?.database_id;
  const { body } = popover(anchor, { className: "dbv-picker", label: "Link rows", minWidth: 260 });
  const search = h("input", { type: "text", class: "dbv-picker-search", placeholder: "Search rows…", "aria-label": "Search rows" });
  const list = h("div", { class: "dbv-picker-list", role: "listbox" });
  body.append(search, list);
  const draw = async () => {
    try {
      const answer = await api<{ items: Row[] }>("GET", `/databases/${target}/rows?limit=20&q=${encodeURIComponent(search.value.trim())}`);
      list.replaceChildren(...answer.items.map((item) => {
        const entry = h("button", { type: "button", class: "dbv-picker-item", role: "option", "aria-selected": chosen.includes(item.id) ? "true" : "false" },
          h("span", {}, "↗ " + (item.title || "Untitled")), chosen.includes(item.id) ? h("span", { class: "dbv-tick" }, "✓") : "");
        entry.addEventListener("click", async () => {
          const next = chosen.includes(item.id) ? chosen.filter((id) => id !== item.id) : [...chosen, item.id];
          if (await commit(next.length ? next : null)) {
            chosen = next;
            void draw();
          }
        });
        return entry;
      }));
      if (!answer.items.length) list.append(h("p", { class: "dbv-muted" }, "No rows found."));
    } catch {
      list.replaceChildren(h("p", { class: "dbv-muted" }, "The related database cannot be read."));
    }
  };
  let timer = 0;
  search.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void draw(), 250);
  });
  void draw();
  search.focus();
}

export { closePopover };
