// A database row opened as a page: its properties under the title, as in Notion — one line per property with
// the table's own value rendering and cell editors. Every change is a PATCH of the row through the API.

import "./views.css";
import { api, embeddedJson } from "../lib/api";
import { TYPE_ICONS, addOption, editCell, isEditable, renderValue } from "./cells";
import type { Member, Prop, Row } from "./types";
import { failure, h, toast } from "./ui";

interface RowData {
  database: { id: number; title: string; icon: string; url: string };
  row: Row;
  properties: Prop[];
  members: Member[];
  can_edit: boolean;
}

function mount() {
  const root = document.getElementById("workos-row-properties");
  const data = embeddedJson<RowData>("workos-row-data");
  if (!root || !data) return;
  const list = h("dl", { class: "row-properties-list" });
  root.append(list);
  const context = { members: data.members, addOption };

  const draw = () => {
    list.replaceChildren();
    for (const prop of data.properties) {
      const editable = data.can_edit && isEditable(prop);
      const value = h("dd", { class: "row-property-value" + (editable ? " is-editable" : ""), "data-property-id": prop.id, tabindex: editable ? 0 : null },
        renderValue(prop, data.row, context));
      if (!value.textContent) value.append(h("span", { class: "row-property-empty" }, editable ? "Empty" : ""));
      const open = () => editCell(value, prop, data.row, (next) => save(prop, next), context);
      if (editable) {
        value.addEventListener("click", (event) => {
          if (!(event.target as HTMLElement).closest("a")) open();
        });
        value.addEventListener("keydown", (event) => {
          if (event.key === "Enter") open();
        });
      }
      list.append(h("dt", { class: "row-property-name" }, h("span", { "aria-hidden": "true" }, TYPE_ICONS[prop.type] ?? "•"), prop.name), value);
    }
  };

  const save = async (prop: Prop, next: unknown): Promise<boolean> => {
    try {
      data.row = await api<Row>("PATCH", `/rows/${data.row.id}`, { values: { [prop.id]: next } });
      draw();
      return true;
    } catch (error) {
      toast(failure(error));
      draw();
      return false;
    }
  };
  draw();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
else mount();
