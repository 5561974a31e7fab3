// The top bar's builders: filter (conditions in AND/OR groups, one level of nested groups, as Notion's
// advanced filter), sort (several levels), group by, and which properties show. Every change is saved to the
// view (PATCH /views/{id}) through ``save``; a condition still waiting for its value is kept here, not saved.

import type { Condition, FilterNode, Member, Prop, Sort, ViewConfig } from "./types";
import { TYPE_ICONS, optionsOf } from "./cells";
import { button, debounce, h, popover, select } from "./ui";

export const OPERATOR_LABELS: Record<string, string> = {
  is: "is", is_not: "is not", contains: "contains", does_not_contain: "does not contain", starts_with: "starts with",
  ends_with: "ends with", is_empty: "is empty", is_not_empty: "is not empty", eq: "=", ne: "≠", gt: ">", gte: "≥", lt: "<", lte: "≤",
  before: "is before", after: "is after", on_or_before: "is on or before", on_or_after: "is on or after",
  within_past_days: "is within the past N days", within_next_days: "is within the next N days", checked: "is checked", unchecked: "is unchecked",
};
const NO_VALUE = new Set(["is_empty", "is_not_empty", "checked", "unchecked"]);
const GROUPABLE = new Set(["select", "status", "review_status", "checkbox", "person", "text", "title", "url", "email", "phone", "created_by",
  "last_edited_by"]);

type Conj = "and" | "or";
interface DraftCondition { kind: "condition"; property: number; operator: string; value: unknown }
interface DraftGroup { kind: "group"; conj: Conj; items: DraftCondition[] }
export interface DraftFilter { conj: Conj; items: (DraftCondition | DraftGroup)[] }

function isCondition(node: FilterNode): node is Condition {
  return (node as Condition).property !== undefined;
}

export function draftOf(tree: FilterNode | null): DraftFilter {
  if (!tree) return { conj: "and", items: [] };
  if (isCondition(tree)) return { conj: "and", items: [{ kind: "condition", ...tree }] };
  const conj: Conj = "and" in tree ? "and" : "or";
  const children = (tree as Record<Conj, FilterNode[]>)[conj];
  const flat = (node: FilterNode): DraftCondition[] => isCondition(node) ? [{ kind: "condition", ...node }] : Object.values(node)[0].flatMap(flat);
  return {
    conj,
    items: children.map((child) => {
      if (isCondition(child)) return { kind: "condition", ...child } as DraftCondition;
      const childConj: Conj = "and" in child ? "and" : "or";
      return { kind: "group", conj: childConj, items: flat(child) } as DraftGroup;
    }),
  };
}

function complete(item: DraftCondition): boolean {
  if (NO_VALUE.has(item.operator)) return true;
  return item.value !== null && item.value !== undefined && item.value !== "";
}

function clean(item: DraftCondition): Condition {
  return { property: item.property, operator: item.operator, value: NO_VALUE.has(item.operator) ? null : item.value };
}

/** The tree to save: conditions waiting for a value and empty groups are left out. */
export function treeOf(draft: DraftFilter): FilterNode | null {
  const children: FilterNode[] = [];
  for (const item of draft.items) {
    if (item.kind === "condition") {
      if (complete(item)) children.push(clean(item));
    } else {
      const inner = item.items.filter(complete).map(clean);
      if (inner.length) children.push({ [item.conj]: inner } as FilterNode);
    }
  }
  return children.length ? ({ [draft.conj]: children } as FilterNode) : null;
}

export function conditionCount(draft: DraftFilter): number {
  return draft.items.reduce((total, item) => total + (item.kind === "condition" ? 1 : item.items.length), 0);
}

export interface QueryContext {
  properties: Prop[];
  members: Member[];
  config: ViewConfig;
  filterDraft: DraftFilter;
  save(config: Partial<ViewConfig>): Promise<boolean>;
  editable: boolean;
}

function defaultOperator(prop: Prop): string {
  return prop.operators.includes("contains") && ["title", "text", "url", "email", "phone"].includes(prop.type) ? "contains" : prop.operators[0];
}

function valueInput(prop: Prop, item: DraftCondition, changed: () => void, members: Member[]): HTMLElement | null {
  if (NO_VALUE.has(item.operator)) return null;
  const set = (value: unknown) => { item.value = value; changed(); };
  if (["select", "status", "review_status", "multi_select"].includes(prop.type)) {
    const options = [{ value: "", label: "Choose…" }, ...optionsOf(prop).map((option) => ({ value: option.id, label: option.name }))];
    return select(options, String(item.value ?? ""), (value) => set(value || null), "Filter value");
  }
  if (["person", "created_by", "last_edited_by"].includes(prop.type)) {
    const options = [{ value: "", label: "Choose…" }, ...members.map((member) => ({ value: String(member.id), label: member.name }))];
    return select(options, String(item.value ?? ""), (value) => set(value ? Number(value) : null), "Filter value");
  }
  const input = h("input", { class: "dbv-filter-value", "aria-label": "Filter value", placeholder: "Value" });
  const days = item.operator.startsWith("within_");
  const dateKind = ["date", "created_time", "last_edited_time"].includes(prop.type);
  input.type = days || prop.type === "number" ? "number" : dateKind ? "date" : "text";
  input.value = item.value === null || item.value === undefined ? "" : String(item.value);
  const update = debounce(() => {
    const text = input.value;
    if (text === "") set(null);
    else if (input.type === "number") set(days ? Math.max(0, Math.round(Number(text))) : Number(text));
    else set(text);
  }, 350);
  input.addEventListener("input", update);
  return input;
}

/** The filter popover; ``redraw`` refreshes the top bar's summary after each save. */
export function openFilter(anchor: HTMLElement, context: QueryContext, redraw: () => void): void {
  const { body } = popover(anchor, { className: "dbv-filter", label: "Filter", minWidth: 520 });
  const props = context.properties;
  const byId = new Map(props.map((prop) => [prop.id, prop]));
  const draft = context.filterDraft;
  const persist = async () => {
    await context.save({ filter: treeOf(draft) });
    redraw();
  };
  const newCondition = (): DraftCondition => {
    const prop = props[0];
    return { kind: "condition", property: prop.id, operator: defaultOperator(prop), value: null };
  };

  const conditionRow = (item: DraftCondition, lead: HTMLElement, remove: () => void, after: () => void): HTMLElement => {
    const prop = byId.get(item.property) ?? props[0];
    const propertySelect = select(props.map((p) => ({ value: String(p.id), label: `${TYPE_ICONS[p.type] ?? ""} ${p.name}` })), String(prop.id), (value) => {
      const next = byId.get(Number(value))!;
      item.property = next.id;
      item.operator = defaultOperator(next);
      item.value = null;
      void persist();
      after();
    }, "Filter property");
    const operatorSelect = select(prop.operators.map((op) => ({ value: op, label: OPERATOR_LABELS[op] ?? op })), item.operator, (value) => {
      item.operator = value;
      if (NO_VALUE.has(value)) item.value = null;
      if (value.startsWith("within_") !== (typeof item.value === "number" && prop.type !== "number")) item.value = null;
      void persist();
      after();
    }, "Filter operator");
    const value = valueInput(prop, item, () => void persist(), context.members);
    return h("div", { class: "dbv-filter-row" }, lead, propertySelect, operatorSelect, value ?? h("span", { class: "dbv-filter-novalue" }),
      button("×", () => { remove(); void persist(); after(); }, { class: "dbv-icon-button", "aria-label": "Remove filter", title: "Remove" }));
  };

  const leadFor = (index: number, owner: { conj: Conj }, rerender: () => void): HTMLElement => {
    if (index === 0) return h("span", { class: "dbv-filter-lead" }, "Where");
    if (index === 1) return select([{ value: "and", label: "And" }, { value: "or", label: "Or" }], owner.conj, (value) => {
      owner.conj = value as Conj;
      void persist();
      rerender();
    }, "Combine filters with");
    return h("span", { class: "dbv-filter-lead" }, owner.conj === "and" ? "And" : "Or");
  };

  const draw = () => {
    body.replaceChildren();
    if (!props.length) return;
    const list = h("div", { class: "dbv-filter-list" });
    draft.items.forEach((item, index) => {
      const lead = leadFor(index, draft, draw);
      if (item.kind === "condition") {
        list.append(conditionRow(item, lead, () => draft.items.splice(index, 1), draw));
      } else {
        const group = h("div", { class: "dbv-filter-group" });
        item.items.forEach((inner, innerIndex) => {
          group.append(conditionRow(inner, leadFor(innerIndex, item, draw), () => {
            item.items.splice(innerIndex, 1);
            if (!item.items.length) draft.items.splice(index, 1);
          }, draw));
        });
        group.append(button("+ Add filter rule", () => { item.items.push(newCondition()); draw(); }, { class: "dbv-link-button" }));
        list.append(h("div", { class: "dbv-filter-row is-group" }, lead, group));
      }
    });
    if (!draft.items.length) list.append(h("p", { class: "dbv-muted" }, "No filters applied to this view."));
    body.append(list, h("div", { class: "dbv-row-actions" },
      button("+ Add filter rule", () => { draft.items.push(newCondition()); draw(); }, { class: "dbv-link-button", "data-action": "add-filter" }),
      button("+ Add filter group", () => { draft.items.push({ kind: "group", conj: "and", items: [newCondition()] }); draw(); }, { class: "dbv-link-button", "data-action": "add-filter-group" }),
      draft.items.length ? button("Delete filter", () => { draft.items.splice(0); void persist(); draw(); }, { class: "dbv-link-button is-danger" }) : null,
    ));
    if (!context.editable) body.append(h("p", { class: "dbv-muted" }, "You cannot change this shared view."));
  };
  draw();
}

export function openSort(anchor: HTMLElement, context: QueryContext, redraw: () => void): void {
  const { body } = popover(anchor, { className: "dbv-sort", label: "Sort", minWidth: 380 });
  const props = context.properties;
  const sorts: Sort[] = context.config.sorts.map((sort) => ({ ...sort }));
  const persist = async () => {
    await context.save({ sorts });
    redraw();
  };
  const draw = () => {
    body.replaceChildren();
    const list = h("div", { class: "dbv-sort-list" });
    sorts.forEach((sort, index) => {
      list.append(h("div", { class: "dbv-filter-row" },
        h("span", { class: "dbv-filter-lead" }, index === 0 ? "Sort by" : "then by"),
        select(props.map((p) => ({ value: String(p.id), label: p.name })), String(sort.property), (value) => {
          sort.property = Number(value);
          void persist();
        }, "Sort property"),
        select([{ value: "ascending", label: "Ascending" }, { value: "descending", label: "Descending" }], sort.direction, (value) => {
          sort.direction = value as Sort["direction"];
          void persist();
        }, "Sort direction"),
        button("×", () => { sorts.splice(index, 1); void persist(); draw(); }, { class: "dbv-icon-button", "aria-label": "Remove sort", title: "Remove" }),
      ));
    });
    if (!sorts.length) list.append(h("p", { class: "dbv-muted" }, "No sorts applied to this view."));
    const unused = props.filter((prop) => !sorts.some((sort) => sort.property === prop.id));
    body.append(list, h("div", { class: "dbv-row-actions" },
      unused.length ? button("+ Add sort", () => { sorts.push({ property: unused[0].id, direction: "ascending" }); void persist(); draw(); }, { class: "dbv-link-button", "data-action": "add-sort" }) : null,
      sorts.length ? button("Delete sort", () => { sorts.splice(0); void persist(); draw(); }, { class: "dbv-link-button is-danger" }) : null,
    ));
  };
  draw();
}

export function openGroup(anchor: HTMLElement, context: QueryContext, kanban: boolean, redraw: () => void): void {
  const { body, close } = popover(anchor, { className: "dbv-group", label: "Group", minWidth: 280 });
  const props = context.properties.filter((prop) => GROUPABLE.has(prop.type) && (!kanban || ["select", "status", "review_status", "person"].includes(prop.type) || prop.type === "checkbox"));
  const current = context.config.group_by;
  const options = [...(kanban ? [] : [{ value: "", label: "None" }]), ...props.map((prop) => ({ value: String(prop.id), label: `${TYPE_ICONS[prop.type] ?? ""} ${prop.name}` }))];
  const hide = h("input", { type: "checkbox", "aria-label": "Hide empty groups" });
  hide.checked = !!current?.hide_empty;
  const chooser = select(options, current ? String(current.property) : "", () => void apply(), "Group by");
  const apply = async () => {
    const value = chooser.value;
    await context.save({ group_by: value ? { property: Number(value), hide_empty: hide.checked } : null });
    redraw();
  };
  hide.addEventListener("change", () => void apply());
  body.append(h("label", { class: "dbv-field" }, kanban ? "Board columns by" : "Group by", chooser),
    h("label", { class: "dbv-field is-inline" }, hide, "Hide empty groups"),
    h("div", { class: "dbv-row-actions" }, button("Done", close, { class: "dbv-link-button" })));
  if (!props.length) body.append(h("p", { class: "dbv-muted" }, "Add a select, status or person property to group by."));
}

export function openProperties(anchor: HTMLElement, context: QueryContext, redraw: () => void): void {
  const { body } = popover(anchor, { className: "dbv-properties", label: "Properties", minWidth: 280 });
  const byId = new Map(context.properties.map((prop) => [prop.id, prop]));
  const columns = context.config.properties.map((column) => ({ ...column }));
  const draw = () => {
    body.replaceChildren(h("p", { class: "dbv-popover-title" }, "Properties shown in this view"));
    columns.forEach((column, index) => {
      const prop = byId.get(column.property);
      if (!prop) return;
      const toggle = h("input", { type: "checkbox", "aria-label": "Show " + prop.name });
      toggle.checked = column.visible;
      toggle.addEventListener("change", async () => {
        column.visible = toggle.checked;
        await context.save({ properties: columns });
        redraw();
      });
      const up = button("↑", async () => {
        if (index === 0) return;
        [columns[index - 1], columns[index]] = [columns[index], columns[index - 1]];
        await context.save({ properties: columns });
        draw();
        redraw();
      }, { class: "dbv-icon-button", "aria-label": "Move " + prop.name + " up", title: "Move up" });
      body.append(h("label", { class: "dbv-property-line" }, toggle, h("span", { class: "dbv-type-icon" }, TYPE_ICONS[prop.type] ?? ""), h("span", { class: "dbv-grow" }, prop.name), up));
    });
  };
  draw();
}
