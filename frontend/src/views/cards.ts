// The list (one line per row: title, then the visible properties on the right) and the gallery (cards with a
// cover: a files property's first image, or the page's preview, or none).

import type { ViewContext } from "./context";
import { rowTotal } from "./count";
import { renderValue } from "./cells";
import type { Row } from "./types";
import { button, h } from "./ui";

function more(context: ViewContext, container: HTMLElement): void {
  if (context.answer?.next_cursor) container.append(button("Load more", () => void context.loadMore(), { class: "dbv-load-more" }));
  if (!context.rows.length) container.append(h("p", { class: "dbv-empty" }, context.view.config.filter ? "No rows match the filter." : "No rows yet."));
  const total = rowTotal(context);
  if (total && context.rows.length) container.append(total);
}

function newButton(context: ViewContext): HTMLElement | null {
  if (!context.canEditRows) return null;
  return button("+ New", async () => {
    const created = await context.createRow({});
    if (created) window.location.href = context.pageUrl(created);
  }, { class: "dbv-quick-add" });
}

export function renderList(context: ViewContext): void {
  const props = context.columns().filter((column) => column.prop.type !== "title").map((column) => column.prop);
  const list = h("ul", { class: "dbv-list", "aria-label": context.view.name });
  for (const row of context.rows) {
    const values = h("span", { class: "dbv-list-values" });
    for (const prop of props) if (row.display[String(prop.id)] || prop.type === "checkbox") values.append(renderValue(prop, row, context));
    list.append(h("li", { class: "dbv-list-item", "data-row-id": row.id },
      h("a", { href: context.pageUrl(row), class: "dbv-list-title" }, h("span", { class: "dbv-page-icon", "aria-hidden": "true" }, "📄"), h("span", { class: "dbv-list-text" }, row.title || "Untitled")),
      values));
  }
  const wrap = h("div", { class: "dbv-list-wrap" }, list);
  more(context, wrap);
  const add = newButton(context);
  if (add) wrap.append(add);
  context.root.replaceChildren(wrap);
}

function coverOf(context: ViewContext, row: Row): HTMLElement | null {
  const cover = context.view.config.cover;
  if (cover === "none") return null;
  if (typeof cover === "number") {
    const files = (row.values[String(cover)] as { url: string; name: string }[] | null) ?? [];
    const image = files.find((file) => /^(https?:\/\/|\/api\/v1\/attachments\/\d+\/content$)/i.test(file.url));
    const box = h("div", { class: "dbv-cover" });
    if (image) box.append(h("img", { src: image.url, alt: "", loading: "lazy" }));
    return box;
  }
  // The page preview: the row's properties as a miniature of the page (the rows API carries no page cover).
  const preview = h("div", { class: "dbv-cover is-preview" });
  for (const column of context.columns().slice(0, 4)) {
    const text = column.prop.type === "title" ? "" : row.display[String(column.prop.id)];
    if (text) preview.append(h("span", { class: "dbv-preview-line" }, text));
  }
  return preview;
}

export function renderGallery(context: ViewContext): void {
  const props = context.columns().filter((column) => column.prop.type !== "title").map((column) => column.prop);
  const gallery = h("div", { class: "dbv-gallery", role: "list", "aria-label": context.view.name });
  for (const row of context.rows) {
    const card = h("a", { class: "dbv-gallery-card", href: context.pageUrl(row), role: "listitem", "data-row-id": row.id });
    const cover = coverOf(context, row);
    if (cover) card.append(cover);
    const body = h("div", { class: "dbv-gallery-body" }, h("span", { class: "dbv-gallery-title" }, row.title || "Untitled"));
    for (const prop of props) if (row.display[String(prop.id)]) body.append(h("div", { class: "dbv-card-prop" }, renderValue(prop, row, context)));
    card.append(body);
    gallery.append(card);
  }
  const add = newButton(context);
  if (add) gallery.append(h("div", { class: "dbv-gallery-new" }, add));
  const wrap = h("div", { class: "dbv-gallery-wrap" }, gallery);
  more(context, wrap);
  context.root.replaceChildren(wrap);
}
