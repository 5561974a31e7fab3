// The database page's island: draws the current view (table, board, calendar, list, gallery) from
// GET /api/v1/views/{id}/rows and runs the top bar (filter, sort, group, properties, search, view options,
// "New") and the view switcher's "+". The server rendered the frame and embedded the database, its properties
// and views ("workos-database-data"); every change goes through the API with the session's CSRF token.

import "./views.css";
import { api, embeddedJson } from "../lib/api";
import type { ViewContext } from "./context";
import { TYPE_ICONS, TYPE_LABELS, addOption, optionsOf } from "./cells";
import { renderBoard } from "./board";
import { renderCalendar } from "./calendar";
import { renderGallery, renderList } from "./cards";
import { OPERATOR_LABELS, conditionCount, draftOf, openFilter, openGroup, openProperties, openSort, treeOf } from "./query";
import { renderTable } from "./table";
import { type Selection, selectionBody, selectionCount } from "./bulk";
import type { Option, PageData, Prop, Row, RowsAnswer, View, ViewConfig } from "./types";
import { debounced, onLiveNotice } from "../lib/events";
import { button, debounce, failure, h, popover, select, status, toast } from "./ui";

const PAGE_LIMIT = 100;
const BOARD_LIMIT = 200;
const CREATABLE_TYPES = ["text", "number", "select", "multi_select", "status", "date", "person", "checkbox", "url", "email", "phone", "files",
  "relation", "formula", "created_time", "created_by", "last_edited_time", "last_edited_by", "unique_id", "review_status"];

/** The types offered in the property-type menus: those of the list above the server registered (an optional module's type,
 * such as the review status, only where that module is installed). */
function creatableTypes(data: PageData): string[] {
  const known = data.property_types ? new Set(data.property_types.map((item) => item.type)) : null;
  return known ? CREATABLE_TYPES.filter((type) => known.has(type)) : CREATABLE_TYPES.filter((type) => type !== "review_status");
}


class DatabasePage {
  private properties: Prop[];
  private props = new Map<number, Prop>();
  private view: View | null;
  private rows: Row[] = [];
  private answer: RowsAnswer | null = null;
  private search = "";
  /** The view, filter and search the user asked to count exactly (past 10,000 rows): the key they were asked for. */
  private exactCountKey: string | null = null;
  private filterDraft;
  private root: HTMLElement;
  private requestSerial = 0;
  private writes: Promise<unknown> = Promise.resolve();
  private selection: Selection = { ids: new Set(), allMatching: false };

  constructor(private data: PageData) {
    this.properties = data.properties;
    this.indexProperties();
    this.view = data.views.find((view) => view.id === data.view_id) ?? null;
    this.filterDraft = draftOf(this.view?.config.filter ?? null);
    this.root = document.getElementById("workos-db-view")!;
    this.bindFrame();
    if (this.view) void this.reload();
  }

  private indexProperties() {
    this.props = new Map(this.properties.map((prop) => [prop.id, prop]));
  }

  private get canEditRows(): boolean {
    return this.data.database.can_edit;
  }

  private get canChangeView(): boolean {
    return !!this.view?.can_change;
  }

  // --- the frame -----------------------------------------------------------------------------------------

  private bindFrame() {
    const title = document.querySelector<HTMLInputElement>(".db-title");
    if (title && this.canEditRows) {
      const save = async () => {
        if (title.value === this.data.database.title) return;
        try {
          const saved = await api<{ title: string }>("PATCH", `/databases/${this.data.database.id}`, { title: title.value });
          this.data.database.title = saved.title;
          document.querySelector("[data-crumb-title]")!.textContent = saved.title || "Untitled";
          document.title = `${saved.title || "Untitled"} · WorkOS`;
          status("Saved");
        } catch (error) {
          toast(failure(error));
        }
      };
      title.addEventListener("change", save);
      title.addEventListener("keydown", (event) => {
        if (event.key === "Enter") title.blur();
      });
    }
    const on = (action: string, handler: (anchor: HTMLElement) => void) => {
      document.querySelector<HTMLElement>(`[data-action=${action}]`)?.addEventListener("click", (event) => {
        event.preventDefault();
        handler(event.currentTarget as HTMLElement);
      });
    };
    on("add-view", (anchor) => this.addView(anchor));
    on("filter", (anchor) => this.guard() && openFilter(anchor, this.queryContext(), () => this.drawQueryBar()));
    on("sort", (anchor) => this.guard() && openSort(anchor, this.queryContext(), () => this.drawQueryBar()));
    on("group", (anchor) => this.guard() && openGroup(anchor, this.queryContext(), this.view?.type === "kanban", () => this.drawQueryBar()));
    on("properties", (anchor) => this.guard() && openProperties(anchor, this.queryContext(), () => undefined));
    on("view-menu", (anchor) => this.viewMenu(anchor));
    on("new-row", () => void this.newRow());
    const search = document.querySelector<HTMLInputElement>("[data-action=search]");
    search?.addEventListener("input", debounce(() => {
      this.search = search.value.trim();
      this.selection = { ids: new Set(), allMatching: false };
      void this.reload();
    }, 300));
    this.drawQueryBar();
  }

  /** Shared views change only for editors; say so instead of opening a builder that cannot save. */
  private guard(): boolean {
    if (this.canChangeView) return true;
    toast("Only editors of this database can change a shared view. Add a personal view (+) to filter and sort your own way.", "info");
    return false;
  }

  private drawQueryBar() {
    const bar = document.querySelector<HTMLElement>("[data-querybar]");
    if (!bar || !this.view) return;
    const config = this.view.config;
    bar.replaceChildren();
    const filters = conditionCount(this.filterDraft);
    const active = treeOf(this.filterDraft);
    document.querySelector("[data-action=filter]")?.classList.toggle("is-on", !!active);
    document.querySelector("[data-action=sort]")?.classList.toggle("is-on", config.sorts.length > 0);
    document.querySelector("[data-action=group]")?.classList.toggle("is-on", !!config.group_by);
    for (const sort of config.sorts) {
      const prop = this.props.get(sort.property);
      if (prop) bar.append(button(`${sort.direction === "ascending" ? "↑" : "↓"} ${prop.name}`, (event) => this.guard() && openSort(event.currentTarget as HTMLElement, this.queryContext(), () => this.drawQueryBar()), { class: "dbv-pill" }));
    }
    if (filters) {
      const first = this.filterDraft.items[0];
      let label = `${filters} filter${filters > 1 ? "s" : ""}`;
      if (filters === 1 && first?.kind === "condition") {
        const prop = this.props.get(first.property);
        const value = first.value === null || first.value === undefined ? "" : this.valueLabel(prop, first.value);
        label = `${prop?.name ?? ""}: ${OPERATOR_LABELS[first.operator] ?? first.operator} ${value}`.trim();
      }
      bar.append(button("⚲ " + label, (event) => this.guard() && openFilter(event.currentTarget as HTMLElement, this.queryContext(), () => this.drawQueryBar()), { class: "dbv-pill is-filter", "data-filter-pill": "" }));
    }
    bar.hidden = !bar.childElementCount;
  }

  private valueLabel(prop: Prop | undefined, value: unknown): string {
    if (!prop) return String(value);
    const option = optionsOf(prop).find((item) => item.id === value);
    if (option) return option.name;
    const member = this.data.members.find((item) => item.id === value);
    if (member && ["person", "created_by", "last_edited_by"].includes(prop.type)) return member.name;
    return String(value);
  }

  private queryContext() {
    return {
      properties: this.properties,
      members: this.data.members,
      config: this.view!.config,
      filterDraft: this.filterDraft,
      editable: this.canChangeView,
      save: (config: Partial<ViewConfig>) => this.saveConfig(config),
    };
  }

  // --- rows ---------------------------------------------------------------------------------------------

  private async fetchRows(params: Record<string, string>): Promise<RowsAnswer | null> {
    if (!this.view) return null;
    const query = new URLSearchParams({ limit: String(PAGE_LIMIT), ...params });
    if (this.search) query.set("q", this.search);
    if (this.exactCountKey !== null && this.exactCountKey === this.countKey()) query.set("exact_count", "true");
    try {
      return await api<RowsAnswer>("GET", `/views/${this.view.id}/rows?${query}`);
    } catch (error) {
      toast(failure(error));
      return null;
    }
  }

  /** Whether the user is typing in a field that a render would replace (a new row's name, a cell). */
  typing(): boolean {
    const active = document.activeElement as HTMLElement | null;
    return !!active && this.root.contains(active) && (active.matches("input, textarea") || active.isContentEditable);
  }

  async reload(): Promise<void> {
    if (!this.view) return;
    const serial = ++this.requestSerial;
    if (this.view.type === "calendar") {
      this.render();
      return;
    }
    const answer = await this.fetchRows({ limit: String(this.view.type === "kanban" ? BOARD_LIMIT : Math.max(PAGE_LIMIT, Math.min(200, this.rows.length))) });
    if (serial !== this.requestSerial || !answer) return;
    this.answer = answer;
    this.rows = answer.items;
    this.render();
  }

  private countKey(): string {
    return `${this.view?.id}:${JSON.stringify(this.view?.config.filter ?? null)}:${this.search}`;
  }

  /** "10,000+ rows" -> "Count exactly": the server counts every row of the view this time. */
  private async countExactly(): Promise<void> {
    this.exactCountKey = this.countKey();
    const answer = await this.fetchRows({ limit: "1" });
    if (!answer || !this.answer) return;
    this.answer = { ...this.answer, count: answer.count, count_exact: answer.count_exact };
    this.render();
  }

  /** Counts, groups and footer after a change, without reloading the rows on screen. */
  private refreshTotals = debounce(async () => {
    if (!this.view || this.view.type === "calendar") return;
    const answer = await this.fetchRows({ limit: "1" });
    if (!answer || !this.answer) return;
    this.answer = { ...this.answer, count: answer.count, count_exact: answer.count_exact, groups: answer.groups, footer: answer.footer };
    // A quick-add input in use keeps its focus; the totals show with the next drawing.
    if (!this.typing()) this.render();
  }, 250);

  private async loadMore(): Promise<void> {
    if (!this.answer?.next_cursor) return;
    const answer = await this.fetchRows({ cursor: this.answer.next_cursor });
    if (!answer) return;
    const seen = new Set(this.rows.map((row) => row.id));
    this.rows = [...this.rows, ...answer.items.filter((row) => !seen.has(row.id))];
    this.answer = { ...answer, items: this.rows };
    this.render();
  }

  private groupKey(row: Row): string | null {
    const group = this.view?.config.group_by;
    const prop = group ? this.props.get(group.property) : undefined;
    if (!prop) return null;
    const value = row.values[String(prop.id)];
    if (prop.type === "checkbox") return value ? "true" : "false";
    if (prop.type === "person") return Array.isArray(value) && value.length ? String(value[0]) : "";
    if (prop.type === "title") return row.title || "";
    return value === null || value === undefined ? "" : String(value);
  }

  /** Writes run one after the other, so that the server keeps the last of quick successive changes. */
  private queued<T>(write: () => Promise<T>): Promise<T> {
    const next = this.writes.then(write, write);
    this.writes = next.catch(() => undefined);
    return next;
  }

  private updateRow(row: Row, values: Record<string, unknown>): Promise<boolean> {
    return this.queued(() => this.sendRow(row, values));
  }

  private async sendRow(row: Row, values: Record<string, unknown>): Promise<boolean> {
    status("Saving…");
    try {
      const saved = await api<Row>("PATCH", `/rows/${row.id}`, { values });
      saved.group = this.groupKey(saved);
      const index = this.rows.findIndex((item) => item.id === row.id);
      if (index >= 0) this.rows[index] = saved;
      Object.assign(row, saved);
      status("Saved");
      this.render();
      this.refreshTotals();
      return true;
    } catch (error) {
      status("Not saved", "error");
      toast(failure(error));
      this.render();
      return false;
    }
  }

  private async createRow(values: Record<string, unknown>): Promise<Row | null> {
    try {
      const created = await api<Row>("POST", `/databases/${this.data.database.id}/rows`, { values });
      created.group = this.groupKey(created);
      this.rows.push(created);
      if (this.answer) this.answer.count = (this.answer.count ?? 0) + 1;
      this.refreshTotals();
      status("Saved");
      return created;
    } catch (error) {
      toast(failure(error));
      return null;
    }
  }

  private async newRow() {
    if (!this.view) return;
    const values: Record<string, unknown> = {};
    const group = this.view.config.group_by;
    if (this.view.type === "kanban" && group && this.answer?.groups?.length) {
      const prop = this.props.get(group.property);
      const first = this.answer.groups[0];
      if (prop && prop.editable && first.key) values[prop.id] = prop.type === "person" ? [Number(first.key)] : prop.type === "checkbox" ? first.key === "true" : first.key;
    }
    if (this.view.type === "calendar" && this.view.config.date_property) values[this.view.config.date_property] = new Date().toISOString().slice(0, 10);
    const created = await this.createRow(values);
    if (!created) return;
    if (this.view.type === "table") {
      this.render();
      const cell = this.root.querySelector<HTMLElement>(`tr[data-row-id="${created.id}"] td.type-title`);
      cell?.scrollIntoView({ block: "nearest" });
      cell?.click();
    } else {
      window.location.href = this.pageUrl(created);
    }
  }

  private rowMenu(anchor: HTMLElement, row: Row) {
    const { body, close } = popover(anchor, { className: "dbv-menu", label: "Row actions" });
    body.append(
      h("a", { class: "dbv-menu-item", href: this.pageUrl(row) }, "↗ Open as page"),
      button("⧉ Duplicate", async () => {
        close();
        try {
          await api("POST", `/rows/${row.id}/duplicate`);
          await this.reload();
        } catch (error) {
          toast(failure(error));
        }
      }, { class: "dbv-menu-item" }),
      button("🗑 Delete", async () => {
        close();
        try {
          await api("DELETE", `/rows/${row.id}`);
          this.rows = this.rows.filter((item) => item.id !== row.id);
          this.render();
          this.refreshTotals();
          toast("Moved to the trash.", "info", { label: "Undo", run: () => void this.restoreRow(row) });
        } catch (error) {
          toast(failure(error));
        }
      }, { class: "dbv-menu-item is-danger" }),
    );
  }

  /** Set values on the selected rows (PATCH /databases/{id}/rows: by ids, or the view's filter for "all matching"). */
  private async bulkSet(values: Record<string, unknown>): Promise<boolean> {
    if (!this.view) return false;
    status("Saving…");
    try {
      const answer = await api<{ updated: number }>("PATCH", `/databases/${this.view.database_id}/rows`, { ...selectionBody(this.context()), values });
      status("Saved");
      toast(`${answer.updated.toLocaleString("en-US")} row${answer.updated === 1 ? "" : "s"} changed.`, "info");
      await this.reload();
      return true;
    } catch (error) {
      status("Not saved", "error");
      toast(failure(error));
      return false;
    }
  }

  /** Move the selected rows to the trash after a confirmation; the toast's Undo restores exactly those rows. */
  private async bulkDelete(): Promise<void> {
    if (!this.view) return;
    const count = selectionCount(this.context());
    if (!window.confirm(`Move ${count.toLocaleString("en-US")} row${count === 1 ? "" : "s"} to the trash?`)) return;
    const database = this.view.database_id;
    try {
      const answer = await api<{ row_ids: number[]; count: number }>("POST", `/databases/${database}/rows/archive`, selectionBody(this.context()));
      this.selection = { ids: new Set(), allMatching: false };
      await this.reload();
      toast(`${answer.count.toLocaleString("en-US")} row${answer.count === 1 ? "" : "s"} moved to the trash.`, "info", {
        label: "Undo",
        run: () => void (async () => {
          try {
            await api("POST", `/databases/${database}/rows/restore`, { row_ids: answer.row_ids });
            await this.reload();
            toast("Rows restored.", "info");
          } catch (error) {
            toast(failure(error));
          }
        })(),
      });
    } catch (error) {
      toast(failure(error));
    }
  }

  private async restoreRow(row: Row) {
    try {
      await api("POST", `/rows/${row.id}/restore`);
      await this.reload();
      toast("Row restored.", "info");
    } catch (error) {
      toast(failure(error));
    }
  }

  private pageUrl(row: Row): string {
    return `/web/pages/${row.page_id}`;
  }

  // --- properties -----------------------------------------------------------------------------------

  private async reloadProperties() {
    try {
      this.properties = await api<Prop[]>("GET", `/databases/${this.data.database.id}/properties`);
      this.indexProperties();
      if (this.view) this.view = { ...this.view, ...(await api<View>("GET", `/views/${this.view.id}`)), url: this.view.url, icon: this.view.icon, can_change: this.view.can_change };
    } catch (error) {
      toast(failure(error));
    }
  }

  private addOption(prop: Prop, name: string): Promise<Option | null> {
    return addOption(prop, name);
  }

  private propertyMenu(anchor: HTMLElement, prop: Prop) {
    const { body, close } = popover(anchor, { className: "dbv-menu dbv-property-menu", label: "Property " + prop.name, minWidth: 240 });
    const canEdit = this.canEditRows;
    const name = h("input", { type: "text", class: "dbv-menu-input", "aria-label": "Property name", maxlength: 128 });
    name.value = prop.name;
    name.readOnly = !canEdit;
    const rename = async () => {
      if (!canEdit || name.value.trim() === prop.name || !name.value.trim()) return;
      try {
        await api("PATCH", `/properties/${prop.id}`, { name: name.value.trim() });
        await this.reloadProperties();
        this.render();
      } catch (error) {
        toast(failure(error));
      }
    };
    name.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        void rename().then(close);
      }
    });
    name.addEventListener("change", () => void rename());
    body.append(name);
    if (canEdit && prop.type !== "title") {
      body.append(h("label", { class: "dbv-field" }, "Type", select(creatableTypes(this.data).concat(creatableTypes(this.data).includes(prop.type) ? [] : [prop.type]).map((type) => ({ value: type, label: `${TYPE_ICONS[type] ?? ""} ${TYPE_LABELS[type] ?? type}` })), prop.type, async (type) => {
        try {
          const answer = await api<{ conversion: { converted?: number; failed?: number } | null }>("PATCH", `/properties/${prop.id}`, { type });
          close();
          await this.reloadProperties();
          await this.reload();
          const failed = answer.conversion?.failed ?? 0;
          toast(failed ? `Type changed; ${failed} value${failed > 1 ? "s" : ""} could not be converted and were cleared.` : "Type changed.", failed ? "error" : "info");
        } catch (error) {
          toast(failure(error));
        }
      }, "Property type")));
    }
    const sortBy = (direction: "ascending" | "descending") => async () => {
      close();
      if (this.guard()) await this.saveConfig({ sorts: [{ property: prop.id, direction }] });
      this.drawQueryBar();
    };
    body.append(
      button("↑ Sort ascending", sortBy("ascending"), { class: "dbv-menu-item" }),
      button("↓ Sort descending", sortBy("descending"), { class: "dbv-menu-item" }),
      button("⚲ Filter", () => {
        close();
        if (!this.guard()) return;
        this.filterDraft.items.push({ kind: "condition", property: prop.id, operator: prop.operators.includes("contains") && prop.type !== "multi_select" ? "contains" : prop.operators[0], value: null });
        const filterButton = document.querySelector<HTMLElement>("[data-action=filter]")!;
        openFilter(filterButton, this.queryContext(), () => this.drawQueryBar());
      }, { class: "dbv-menu-item" }),
    );
    if (prop.type !== "title") {
      body.append(button("◌ Hide in view", async () => {
        close();
        if (!this.guard() || !this.view) return;
        await this.saveConfig({ properties: this.view.config.properties.map((column) => (column.property === prop.id ? { ...column, visible: false } : column)) });
      }, { class: "dbv-menu-item" }));
    }
    if (canEdit && prop.type !== "title") {
      body.append(button("🗑 Delete property", async () => {
        close();
        if (!window.confirm(`Delete the property “${prop.name}” and its values in every row?`)) return;
        try {
          await api("DELETE", `/properties/${prop.id}`);
          await this.reloadProperties();
          await this.reload();
        } catch (error) {
          toast(failure(error));
        }
      }, { class: "dbv-menu-item is-danger" }));
    }
    name.focus();
  }

  private addProperty(anchor: HTMLElement) {
    const { body, close } = popover(anchor, { className: "dbv-menu dbv-add-property-menu", label: "New property", minWidth: 260 });
    const name = h("input", { type: "text", class: "dbv-menu-input", placeholder: "Property name", "aria-label": "Property name", maxlength: 128 });
    const type = select(creatableTypes(this.data).map((value) => ({ value, label: `${TYPE_ICONS[value] ?? ""} ${TYPE_LABELS[value] ?? value}` })), "text", () => drawExtra(), "Property type");
    const extra = h("div", { class: "dbv-extra" });
    const message = h("p", { class: "dbv-form-error", role: "alert" });
    let databases: { id: number; title: string }[] | null = null;
    const drawExtra = async () => {
      extra.replaceChildren();
      if (type.value === "formula") {
        extra.append(h("label", { class: "dbv-field" }, "Formula", h("input", { type: "text", name: "expression", placeholder: 'prop("Points") * 2', "aria-label": "Formula expression" })));
      } else if (type.value === "relation") {
        databases ??= (await api<{ items: { id: number; title: string }[] }>("GET", "/databases?limit=200").catch(() => ({ items: [] }))).items;
        extra.append(h("label", { class: "dbv-field" }, "Related database",
          select(databases.map((item) => ({ value: String(item.id), label: item.title || "Untitled" })), String(this.data.database.id), () => undefined, "Related database")));
      } else if (type.value === "number") {
        extra.append(h("label", { class: "dbv-field" }, "Format", select([{ value: "plain", label: "Number" }, { value: "percent", label: "Percent" }, { value: "currency", label: "Currency ($)" }], "plain", () => undefined, "Number format")));
      }
    };
    const create = async () => {
      const config: Record<string, unknown> = {};
      if (type.value === "formula") config.expression = extra.querySelector<HTMLInputElement>("input")?.value ?? "";
      if (type.value === "relation") config.database_id = Number(extra.querySelector<HTMLSelectElement>("select")?.value);
      if (type.value === "number") config.format = extra.querySelector<HTMLSelectElement>("select")?.value ?? "plain";
      if (!name.value.trim()) {
        message.textContent = "Give the property a name.";
        name.focus();
        return;
      }
      try {
        await api("POST", `/databases/${this.data.database.id}/properties`, { name: name.value.trim(), type: type.value, config });
        close();
        await this.reloadProperties();
        await this.reload();
      } catch (error) {
        message.textContent = failure(error);
      }
    };
    name.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        void create();
      }
    });
    body.append(name, h("label", { class: "dbv-field" }, "Type", type), extra, message, h("div", { class: "dbv-row-actions" }, button("Add property", () => void create(), { class: "dbv-primary", "data-action": "create-property" })));
    name.focus();
  }

  // --- the view itself ------------------------------------------------------------------------------

  private saveConfig(config: Partial<ViewConfig>): Promise<boolean> {
    return this.queued(() => this.sendConfig(config));
  }

  private async sendConfig(config: Partial<ViewConfig>): Promise<boolean> {
    if (!this.view) return false;
    if (!this.canChangeView) {
      toast("Only editors of this database can change a shared view.", "info");
      return false;
    }
    status("Saving…");
    try {
      const saved = await api<View>("PATCH", `/views/${this.view.id}`, { config });
      this.view = { ...this.view, config: saved.config };
      status("Saved");
      void this.reload();
      return true;
    } catch (error) {
      status("Not saved", "error");
      toast(failure(error));
      return false;
    }
  }

  private addView(anchor: HTMLElement) {
    const { body } = popover(anchor, { className: "dbv-menu dbv-add-view", label: "Add a view", minWidth: 280 });
    let chosen = "table";
    const name = h("input", { type: "text", class: "dbv-menu-input", placeholder: "View name", "aria-label": "View name", maxlength: 128 });
    const types = h("div", { class: "dbv-view-types", role: "radiogroup", "aria-label": "Layout" });
    const drawTypes = () => {
      types.replaceChildren(...this.data.view_types.map((item) => {
        const choice = button("", () => {
          chosen = item.type;
          if (!name.value.trim() || this.data.view_types.some((other) => other.label === name.value.trim())) name.value = item.label;
          drawTypes();
        }, { class: "dbv-view-type" + (chosen === item.type ? " is-chosen" : ""), role: "radio", "aria-checked": chosen === item.type ? "true" : "false", "data-view-type": item.type });
        choice.append(h("span", { class: "dbv-view-type-icon", "aria-hidden": "true" }, item.icon), h("span", {}, item.label));
        return choice;
      }));
    };
    const personal = h("input", { type: "checkbox", "aria-label": "Only for me (personal view)" });
    personal.checked = !this.canEditRows;
    personal.disabled = !this.canEditRows;
    const message = h("p", { class: "dbv-form-error", role: "alert" });
    const create = async () => {
      try {
        const view = await api<View>("POST", `/databases/${this.data.database.id}/views`, { name: name.value.trim() || "Table", type: chosen, personal: personal.checked });
        window.location.href = `/web/databases/${this.data.database.id}/views/${view.id}`;
      } catch (error) {
        message.textContent = failure(error);
      }
    };
    name.value = "Table";
    name.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        void create();
      }
    });
    drawTypes();
    body.append(name, types, h("label", { class: "dbv-field is-inline" }, personal, "Only for me (personal view)"), message,
      h("div", { class: "dbv-row-actions" }, button("Create view", () => void create(), { class: "dbv-primary", "data-action": "create-view" })));
    name.focus();
    name.select();
  }

  private viewMenu(anchor: HTMLElement) {
    const view = this.view;
    if (!view) return;
    const { body, close } = popover(anchor, { className: "dbv-menu dbv-view-menu", label: "View options", minWidth: 280 });
    const editable = this.canChangeView;
    body.append(h("p", { class: "dbv-popover-title" }, view.personal ? "Personal view — only you see it" : "Shared view — everyone who can see this database sees it"));
    const name = h("input", { type: "text", class: "dbv-menu-input", "aria-label": "View name", maxlength: 128 });
    name.value = view.name;
    name.readOnly = !editable;
    name.addEventListener("change", async () => {
      try {
        await api("PATCH", `/views/${view.id}`, { name: name.value });
        const tab = document.querySelector(`.view-tab[data-view-id="${view.id}"] .view-tab-name`);
        if (tab) tab.textContent = name.value.trim();
        view.name = name.value.trim();
      } catch (error) {
        toast(failure(error));
      }
    });
    body.append(name);
    const patchAndReload = async (payload: Record<string, unknown>) => {
      try {
        await api("PATCH", `/views/${view.id}`, payload);
        window.location.reload();
      } catch (error) {
        toast(failure(error));
      }
    };
    if (editable) {
      body.append(h("label", { class: "dbv-field" }, "Layout", select(this.data.view_types.map((item) => ({ value: item.type, label: `${item.icon} ${item.label}` })), view.type, (type) => void patchAndReload({ type }), "Layout")));
      const dates = this.properties.filter((prop) => ["date", "created_time", "last_edited_time"].includes(prop.type));
      if (view.type === "calendar") {
        body.append(h("label", { class: "dbv-field" }, "Show calendar by", select(dates.map((prop) => ({ value: String(prop.id), label: prop.name })), String(view.config.date_property ?? ""), (value) => void this.saveConfig({ date_property: Number(value) }), "Calendar date property")));
        body.append(h("label", { class: "dbv-field" }, "Show", select([{ value: "month", label: "Month" }, { value: "week", label: "Week" }], view.config.calendar_mode, (value) => void this.saveConfig({ calendar_mode: value as "month" | "week" }), "Calendar range")));
      }
      if (view.type === "gallery") {
        const files = this.properties.filter((prop) => prop.type === "files");
        body.append(h("label", { class: "dbv-field" }, "Card preview", select([{ value: "page", label: "Page content" }, { value: "none", label: "None" }, ...files.map((prop) => ({ value: String(prop.id), label: prop.name }))],
          String(view.config.cover), (value) => void this.saveConfig({ cover: value === "page" || value === "none" ? value : Number(value) }), "Card preview")));
      }
    }
    body.append(h("a", { class: "dbv-menu-item", href: `/api/v1/views/${view.id}/export.csv` }, "⇩ Export as CSV"));
    if (this.canEditRows) {
      const file = h("input", { type: "file", accept: ".csv,text/csv", "aria-label": "CSV file to import", hidden: true });
      file.addEventListener("change", async () => {
        if (!file.files?.length) return;
        const form = new FormData();
        form.append("file", file.files[0]);
        // the file is validated and added in one go (all or nothing): a progress bar until the answer comes
        const progress = h("div", { class: "dbv-import-progress", role: "status" }, `Importing ${file.files[0].name}…`,
          h("progress", { "aria-label": `Importing ${file.files[0].name}` }));
        body.append(progress);
        try {
          const result = await api<{ rows: number; error_count: number }>("POST", `/databases/${this.data.database.id}/import`, form);
          close();
          toast(`Imported ${result.rows} row${result.rows === 1 ? "" : "s"}` + (result.error_count ? `; ${result.error_count} value(s) could not be read.` : "."), "info");
          window.setTimeout(() => window.location.reload(), 800);
        } catch (error) {
          progress.remove();
          toast(failure(error));
        }
      });
      body.append(file, button("⇧ Import CSV…", () => file.click(), { class: "dbv-menu-item" }));
    }
    if (editable) {
      body.append(button("🗑 Delete view", async () => {
        close();
        if (!window.confirm(`Delete the view “${view.name}”? The rows stay.`)) return;
        try {
          await api("DELETE", `/views/${view.id}`);
          window.location.href = `/web/databases/${this.data.database.id}`;
        } catch (error) {
          toast(failure(error));
        }
      }, { class: "dbv-menu-item is-danger" }));
    }
  }

  // --- drawing ------------------------------------------------------------------------------------

  private context(): ViewContext {
    const view = this.view!;
    const titleProp = this.properties.find((prop) => prop.type === "title")!;
    return {
      root: this.root,
      view,
      properties: this.properties,
      props: this.props,
      titleProp,
      rows: this.rows,
      answer: this.answer,
      members: this.data.members,
      canEditRows: this.canEditRows,
      canChangeView: this.canChangeView,
      editor: { members: this.data.members, addOption: (prop, name) => this.addOption(prop, name) },
      columns: () => {
        const columns = view.config.properties.filter((column) => column.visible && this.props.has(column.property))
          .map((column) => ({ prop: this.props.get(column.property)!, width: column.width }));
        if (!columns.some((column) => column.prop.type === "title")) columns.unshift({ prop: titleProp, width: null });
        return columns;
      },
      groupLabel: (key) => this.answer?.groups?.find((group) => group.key === key),
      updateRow: (row, values) => this.updateRow(row, values),
      createRow: (values) => this.createRow(values),
      rowMenu: (anchor, row) => this.rowMenu(anchor, row),
      propertyMenu: (anchor, prop) => this.propertyMenu(anchor, prop),
      addProperty: (anchor) => this.addProperty(anchor),
      saveConfig: (config) => this.saveConfig(config),
      fetchRows: (params) => this.fetchRows(params),
      loadMore: () => this.loadMore(),
      countExactly: () => this.countExactly(),
      pageUrl: (row) => this.pageUrl(row),
      rerender: () => this.render(),
      selection: this.selection,
      searching: !!this.search,
      bulkSet: (values) => this.bulkSet(values),
      bulkDelete: () => this.bulkDelete(),
    };
  }

  private render() {
    if (!this.view) return;
    const context = this.context();
    switch (this.view.type) {
      case "kanban":
        renderBoard(context);
        break;
      case "calendar":
        void renderCalendar(context);
        break;
      case "list":
        renderList(context);
        break;
      case "gallery":
        renderGallery(context);
        break;
      default:
        renderTable(context);
    }
    this.root.dataset.ready = "true";
    this.drawQueryBar();
  }
}

const data = embeddedJson<PageData>("workos-database-data");
if (data) {
  const page = new DatabasePage(data);
  (window as unknown as { workosDatabase: DatabasePage }).workosDatabase = page;
  // Rows created, changed or trashed by someone else: the visible rows again (the API filters what this user
  // may read). A burst of notices (an import, a bulk edit) makes one reload.
  const database = String(data.database.id);
  // A reload redraws the table, so it waits while the user types in it (a new row's name, a cell): their words
  // and focus stay, and the rows come once they leave the field.
  const refresh: () => void = debounced(() => (page.typing() ? refresh() : void page.reload()), 400);
  onLiveNotice((notice) => {
    if (notice.kind === "hello" || (notice.kind === "page" && notice.container?.model === "ipai.workos.database" && notice.container.id === database)) refresh();
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) void page.reload();
  });
}
