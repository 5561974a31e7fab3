// The sidebar page tree: workspace -> spaces -> pages, built from the JSON the server embedded
// ("workos-page-tree"). Expand/collapse (remembered per browser), "+" for a sub-page, drag and drop to move a
// page (before, after or into another page, or to the top level of a space) through the pages API.

import "./sidebar.css";
import { ApiError, api, embeddedJson } from "../lib/api";
import { debounced, onLiveNotice } from "../lib/events";
import { mountShell, pageMenu, spaceMenu } from "./shell";

interface TreePage {
  id: number;
  parent_id: number | null;
  space_id: number;
  title: string;
  icon: string;
}
interface TreeSpace {
  id: number;
  name: string;
  icon: string;
  color: string;
  can_create: boolean;
}
/** Something another module shows in the tree as a page of its own (a database ...): a leaf with its own link. */
interface TreeItem {
  kind: string;
  id: number;
  space_id: number;
  parent_id: number | null;
  title: string;
  icon: string;
  url: string;
}
interface TreeData {
  workspace: { id: number; name: string; icon: string } | null;
  spaces: TreeSpace[];
  pages: TreePage[];
  items: TreeItem[];
  favorites: { id: number; title: string; icon: string }[];
  current: number | null;
}

type Zone = "before" | "after" | "inside";

const OPEN_KEY = "workos:tree:open";
const CLOSED_SPACES_KEY = "workos:tree:closed-spaces";

function loadSet(key: string): Set<number> {
  try {
    const value = JSON.parse(localStorage.getItem(key) ?? "[]");
    return new Set(Array.isArray(value) ? value.filter((v) => typeof v === "number") : []);
  } catch {
    return new Set();
  }
}

function saveSet(key: string, set: Set<number>) {
  try {
    localStorage.setItem(key, JSON.stringify([...set].slice(-2000)));
  } catch {
    /* storage off: the tree just forgets */
  }
}

class PageTree {
  private byId = new Map<number, TreePage>();
  private open = loadSet(OPEN_KEY);
  private closedSpaces = loadSet(CLOSED_SPACES_KEY);
  private dragged: TreePage | null = null;
  private rendering: { children: Map<string, TreePage[]>; parents: Set<number> } | null = null;

  constructor(private root: HTMLElement, private data: TreeData) {
    for (const page of data.pages) this.byId.set(page.id, page);
    // The current page's ancestors are open, so the current page is visible.
    let cursor = data.current !== null ? this.byId.get(data.current) : undefined;
    while (cursor?.parent_id && this.byId.has(cursor.parent_id)) {
      this.open.add(cursor.parent_id);
      cursor = this.byId.get(cursor.parent_id);
    }
    if (cursor) this.closedSpaces.delete(cursor.space_id);
    document.addEventListener("workos:page-updated", (event) => {
      const { id, title, icon } = (event as CustomEvent).detail ?? {};
      const page = this.byId.get(id);
      if (!page) return;
      page.title = title;
      page.icon = icon;
      for (const row of this.root.querySelectorAll<HTMLElement>(`li[data-page-id="${id}"] > .tree-row`)) {
        row.querySelector(".tree-title")!.textContent = title?.trim() || "Untitled";
        row.querySelector(".tree-icon")!.textContent = icon || "📄";
      }
    });
    document.addEventListener("workos:favorites-changed", (event) => {
      const { id, favorite } = (event as CustomEvent).detail ?? {};
      const page = this.byId.get(id);
      this.data.favorites = this.data.favorites.filter((f) => f.id !== id);
      if (favorite) this.data.favorites.push({ id, title: page?.title ?? "", icon: page?.icon ?? "" });
      this.renderFavorites();
    });
    document.addEventListener("workos:page-trashed", (event) => {
      const { id } = (event as CustomEvent).detail ?? {};
      const page = this.byId.get(id);
      if (!page) return;
      this.data.pages = this.data.pages.filter((p) => !this.isInside(p, page));
      this.data.favorites = this.data.favorites.filter((f) => this.data.pages.some((p) => p.id === f.id));
      this.render();
    });
    this.render();
    this.followLiveNotices();
  }

  /** Someone else created, renamed, moved or trashed a page or a database: fetch the tree
   * again. The notice names the page only; the tree comes from the server, which shows each user what they may
   * read. A change to a page's body alone is not told here (the server sends one notice per look of the page). */
  private followLiveNotices() {
    const refresh = debounced(async () => {
      if (!this.data.workspace || this.dragged) return;
      const query = new URLSearchParams({ workspace: String(this.data.workspace.id) });
      if (this.data.current !== null) query.set("current", String(this.data.current));
      try {
        const response = await fetch(`/web/pages/tree?${query}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!response.ok) return;
        this.replace(await response.json());
      } catch {
        /* offline: the next notice or reconnect tries again */
      }
    }, 300);
    onLiveNotice((notice) => {
      if (notice.kind === "hello" || notice.kind === "scope" || notice.kind === "database" || (notice.kind === "page" && !notice.container)) refresh();
    });
  }

  private replace(data: TreeData) {
    this.data = data;
    this.byId = new Map(data.pages.map((page) => [page.id, page]));
    this.render();
  }

  /** Items of other modules (databases) under a page or at the top of a space. */
  private itemsUnder(spaceId: number, parentId: number | null): TreeItem[] {
    return (this.data.items ?? []).filter((item) => item.space_id === spaceId && (parentId === null ? item.parent_id === null || !this.byId.has(item.parent_id) : item.parent_id === parentId));
  }

  private renderFavorites() {
    const section = document.getElementById("workos-favorites");
    if (!section) return;
    section.hidden = !this.data.favorites.length;
    const heading = document.createElement("div");
    heading.className = "sidebar-heading";
    heading.textContent = "Favourites";
    const list = document.createElement("ul");
    list.className = "tree-pages sidebar-favorite-list";
    for (const favorite of this.data.favorites) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.className = "tree-link tree-row" + (favorite.id === this.data.current ? " is-current" : "");
      link.href = `/web/pages/${favorite.id}`;
      const icon = document.createElement("span");
      icon.className = "tree-icon";
      icon.textContent = favorite.icon || "📄";
      const title = document.createElement("span");
      title.className = "tree-title";
      title.textContent = favorite.title.trim() || "Untitled";
      link.append(icon, title);
      item.append(link);
      list.append(item);
    }
    section.replaceChildren(heading, list);
  }

  private renderWorkspace() {
    const slot = document.getElementById("workos-sidebar-workspace");
    if (!slot || !this.data.workspace) return;
    const link = document.createElement("a");
    link.className = "tree-workspace";
    link.href = "/web";
    const icon = document.createElement("span");
    icon.className = "tree-workspace-icon";
    icon.textContent = this.data.workspace.icon || this.data.workspace.name.slice(0, 1).toUpperCase();
    const name = document.createElement("span");
    name.className = "tree-workspace-name";
    name.textContent = this.data.workspace.name;
    link.append(icon, name);
    slot.replaceChildren(link);
  }

  /** Children of a page (or the top level of a space), in rank order (the server's list order). */
  private children(spaceId: number, parentId: number | null): TreePage[] {
    if (this.rendering) return this.rendering.children.get(this.listKey(spaceId, parentId)) ?? [];
    return this.data.pages.filter((p) => p.space_id === spaceId && (parentId === null ? p.parent_id === null || !this.byId.has(p.parent_id) : p.parent_id === parentId));
  }

  private listKey(spaceId: number, parentId: number | null): string {
    return parentId === null ? `${spaceId}:top` : `${spaceId}:${parentId}`;
  }

  /** The lists of the tree, built once per render: looking each list up in all pages made a render of a large,
   * expanded tree quadratic (10,000 pages: most of a second of script). Valid only while render() runs. */
  private indexLists(): { children: Map<string, TreePage[]>; parents: Set<number> } {
    const children = new Map<string, TreePage[]>();
    const parents = new Set<number>();
    for (const page of this.data.pages) {
      const parentId = page.parent_id !== null && this.byId.has(page.parent_id) ? page.parent_id : null;
      const key = this.listKey(page.space_id, parentId);
      const list = children.get(key);
      if (list) list.push(page);
      else children.set(key, [page]);
      if (page.parent_id !== null) parents.add(page.parent_id);
    }
    for (const item of this.data.items ?? []) if (item.parent_id !== null) parents.add(item.parent_id);
    return { children, parents };
  }

  private isInside(page: TreePage, ancestor: TreePage): boolean {
    let cursor: TreePage | undefined = page;
    const seen = new Set<number>();
    while (cursor && !seen.has(cursor.id)) {
      if (cursor.id === ancestor.id) return true;
      seen.add(cursor.id);
      cursor = cursor.parent_id !== null ? this.byId.get(cursor.parent_id) : undefined;
    }
    return false;
  }

  render() {
    this.rendering = this.indexLists();
    try {
      this.renderTree();
    } finally {
      this.rendering = null;
    }
  }

  private renderTree() {
    const fragment = document.createDocumentFragment();
    this.renderWorkspace();
    this.renderFavorites();
    for (const space of this.data.spaces) fragment.append(this.renderSpace(space));
    this.root.replaceChildren(fragment);
  }

  private renderSpace(space: TreeSpace): HTMLElement {
    const section = document.createElement("section");
    section.className = "tree-space";
    section.dataset.spaceId = String(space.id);
    const header = document.createElement("div");
    header.className = "tree-space-header";
    const caret = document.createElement("button");
    caret.type = "button";
    caret.className = "tree-space-toggle";
    const closed = this.closedSpaces.has(space.id);
    caret.setAttribute("aria-expanded", closed ? "false" : "true");
    caret.textContent = space.name;
    caret.addEventListener("click", () => {
      if (this.closedSpaces.has(space.id)) this.closedSpaces.delete(space.id);
      else this.closedSpaces.add(space.id);
      saveSet(CLOSED_SPACES_KEY, this.closedSpaces);
      this.render();
    });
    header.append(caret);
    // every space listed here is one the user may read, and so export
    const more = document.createElement("button");
    more.type = "button";
    more.className = "tree-more tree-space-more";
    more.setAttribute("aria-label", `Options for ${space.name}`);
    more.title = "Export…";
    more.textContent = "⋯";
    more.addEventListener("click", (event) => {
      event.stopPropagation();
      spaceMenu(more, space);
    });
    header.append(more);
    if (space.can_create) header.append(this.addButton(`Add a page to ${space.name}`, () => this.createPage({ space_id: space.id })));
    header.addEventListener("dragover", (event) => this.dragOverSpace(event, header));
    header.addEventListener("dragleave", () => header.classList.remove("drop-inside"));
    header.addEventListener("drop", (event) => {
      event.preventDefault();
      header.classList.remove("drop-inside");
      if (!this.dragged) return;
      const siblings = this.children(space.id, null).filter((p) => p.id !== this.dragged!.id);
      void this.move(this.dragged, { parent_id: null, space_id: space.id, after_id: siblings.length ? siblings[siblings.length - 1].id : null });
    });
    section.append(header);
    if (!closed) {
      const list = this.renderList(space.id, null, 0);
      list.setAttribute("role", "tree");
      list.setAttribute("aria-label", space.name);
      if (!list.childElementCount) {
        const empty = document.createElement("div");
        empty.className = "tree-empty";
        empty.textContent = "No pages yet";
        section.append(empty);
      }
      section.append(list);
      if (space.can_create) {
        const add = document.createElement("button");
        add.type = "button";
        add.className = "tree-new-page";
        add.dataset.spaceId = String(space.id);
        add.textContent = "+ New page";
        add.addEventListener("click", () => void this.createPage({ space_id: space.id }));
        section.append(add);
        // Offered only where the canvas module is installed: it says so in the page head.
        if (document.querySelector('meta[name="workos-canvas"]')) {
          const canvas = document.createElement("button");
          canvas.type = "button";
          canvas.className = "tree-new-page tree-new-canvas";
          canvas.dataset.spaceId = String(space.id);
          canvas.textContent = "+ New canvas";
          canvas.addEventListener("click", () => void this.createCanvas(space.id));
          section.append(canvas);
        }
      }
    }
    return section;
  }

  private renderList(spaceId: number, parentId: number | null, depth: number): HTMLElement {
    const list = document.createElement("ul");
    list.className = "tree-pages";
    if (parentId !== null) list.setAttribute("role", "group");
    for (const page of this.children(spaceId, parentId)) list.append(this.renderPage(page, depth));
    for (const item of this.itemsUnder(spaceId, parentId)) list.append(this.renderItem(item, depth));
    return list;
  }

  private renderItem(entry: TreeItem, depth: number): HTMLElement {
    const item = document.createElement("li");
    item.dataset.itemKind = entry.kind;
    item.dataset.itemId = String(entry.id);
    item.setAttribute("role", "treeitem");
    const row = document.createElement("div");
    row.className = "tree-row";
    row.style.paddingLeft = 4 + depth * 14 + "px";
    const spacer = document.createElement("span");
    spacer.className = "tree-caret is-leaf";
    spacer.setAttribute("aria-hidden", "true");
    const link = document.createElement("a");
    link.className = "tree-link";
    link.href = entry.url;
    if (window.location.pathname.startsWith(entry.url)) {
      row.classList.add("is-current");
      link.setAttribute("aria-current", "page");
    }
    const icon = document.createElement("span");
    icon.className = "tree-icon";
    icon.textContent = entry.icon;
    const title = document.createElement("span");
    title.className = "tree-title";
    title.textContent = entry.title.trim() || "Untitled";
    link.append(icon, title);
    row.append(spacer, link);
    item.append(row);
    return item;
  }

  private renderPage(page: TreePage, depth: number): HTMLElement {
    const item = document.createElement("li");
    item.dataset.pageId = String(page.id);
    item.setAttribute("role", "treeitem");
    const hasChildren = this.rendering ? this.rendering.parents.has(page.id) : this.data.pages.some((p) => p.parent_id === page.id);
    const open = this.open.has(page.id);
    item.setAttribute("aria-expanded", open ? "true" : "false");
    const row = document.createElement("div");
    row.className = "tree-row" + (page.id === this.data.current ? " is-current" : "");
    row.style.paddingLeft = 4 + depth * 14 + "px";
    row.draggable = true;
    const caret = document.createElement("button");
    caret.type = "button";
    caret.className = "tree-caret" + (hasChildren ? "" : " is-leaf");
    caret.setAttribute("aria-label", (open ? "Collapse " : "Expand ") + (page.title || "Untitled"));
    caret.addEventListener("click", () => {
      if (this.open.has(page.id)) this.open.delete(page.id);
      else this.open.add(page.id);
      saveSet(OPEN_KEY, this.open);
      this.render();
      this.root.querySelector<HTMLElement>(`li[data-page-id="${page.id}"] > .tree-row .tree-caret`)?.focus();
    });
    const link = document.createElement("a");
    link.className = "tree-link";
    link.href = `/web/pages/${page.id}`;
    if (page.id === this.data.current) link.setAttribute("aria-current", "page");
    const icon = document.createElement("span");
    icon.className = "tree-icon";
    icon.textContent = page.icon || "📄";
    const title = document.createElement("span");
    title.className = "tree-title";
    title.textContent = page.title.trim() || "Untitled";
    link.append(icon, title);
    const more = document.createElement("button");
    more.type = "button";
    more.className = "tree-more";
    more.setAttribute("aria-label", `Options for ${page.title || "Untitled"}`);
    more.title = "Favourite, duplicate, move, delete…";
    more.textContent = "⋯";
    more.addEventListener("click", (event) => {
      event.stopPropagation();
      const favorite = this.data.favorites.some((f) => f.id === page.id);
      pageMenu(more, { id: page.id, title: page.title, archived: false, editable: true, favorite, space_id: page.space_id });
    });
    row.append(caret, link, more, this.addButton(`Add a page inside ${page.title || "Untitled"}`, () => this.createPage({ parent_id: page.id })));
    this.wireDrag(row, page);
    item.append(row);
    if (open) {
      if (hasChildren) item.append(this.renderList(page.space_id, page.id, depth + 1));
      else {
        const empty = document.createElement("div");
        empty.className = "tree-empty";
        empty.style.paddingLeft = 30 + (depth + 1) * 14 + "px";
        empty.textContent = "No pages inside";
        item.append(empty);
      }
    }
    return item;
  }

  private addButton(label: string, onClick: () => void): HTMLButtonElement {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "tree-add";
    button.setAttribute("aria-label", label);
    button.title = label;
    button.textContent = "+";
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      onClick();
    });
    return button;
  }

  private async createPage(where: { space_id?: number; parent_id?: number }) {
    try {
      const page = await api<{ id: number }>("POST", "/pages", { ...where, title: "" });
      window.location.assign(`/web/pages/${page.id}`);
    } catch (error) {
      this.toast(error instanceof ApiError ? error.message : "Could not create the page");
    }
  }

  private async createCanvas(spaceId: number) {
    try {
      const canvas = await api<{ url: string }>("POST", "/canvases", { space_id: spaceId, title: "" });
      window.location.assign(canvas.url);
    } catch (error) {
      this.toast(error instanceof ApiError ? error.message : "Could not create the canvas");
    }
  }

  // --- drag and drop ---------------------------------------------------------------------------------

  private zone(event: DragEvent, row: HTMLElement): Zone {
    const rect = row.getBoundingClientRect();
    const y = event.clientY - rect.top;
    if (y < rect.height * 0.25) return "before";
    if (y > rect.height * 0.75) return "after";
    return "inside";
  }

  private clearMarks() {
    for (const el of this.root.querySelectorAll(".drop-before, .drop-after, .drop-inside")) el.classList.remove("drop-before", "drop-after", "drop-inside");
  }

  private wireDrag(row: HTMLElement, page: TreePage) {
    row.addEventListener("dragstart", (event) => {
      this.dragged = page;
      event.dataTransfer?.setData("application/x-workos-page", String(page.id));
      event.dataTransfer?.setData("text/plain", page.title || "Untitled");
      if (event.dataTransfer) event.dataTransfer.effectAllowed = "move";
      row.classList.add("is-dragged");
    });
    row.addEventListener("dragend", () => {
      this.dragged = null;
      row.classList.remove("is-dragged");
      this.clearMarks();
    });
    row.addEventListener("dragover", (event) => {
      if (!this.dragged || this.isInside(page, this.dragged)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = "move";
      this.clearMarks();
      row.classList.add("drop-" + this.zone(event, row));
    });
    row.addEventListener("dragleave", () => row.classList.remove("drop-before", "drop-after", "drop-inside"));
    row.addEventListener("drop", (event) => {
      event.preventDefault();
      const dragged = this.dragged;
      this.clearMarks();
      if (!dragged || this.isInside(page, dragged)) return;
      const zone = this.zone(event, row);
      if (zone === "inside") {
        const siblings = this.children(page.space_id, page.id).filter((p) => p.id !== dragged.id);
        void this.move(dragged, { parent_id: page.id, space_id: page.space_id, after_id: siblings.length ? siblings[siblings.length - 1].id : null });
        return;
      }
      const parentId = page.parent_id !== null && this.byId.has(page.parent_id) ? page.parent_id : null;
      const siblings = this.children(page.space_id, parentId).filter((p) => p.id !== dragged.id);
      const index = siblings.findIndex((p) => p.id === page.id);
      const afterId = zone === "after" ? page.id : index > 0 ? siblings[index - 1].id : null;
      void this.move(dragged, { parent_id: parentId, space_id: page.space_id, after_id: afterId });
    });
  }

  private dragOverSpace(event: DragEvent, header: HTMLElement) {
    if (!this.dragged) return;
    event.preventDefault();
    this.clearMarks();
    header.classList.add("drop-inside");
  }

  /** Ask the server to move the page; on success place it locally the same way. */
  private async move(page: TreePage, target: { parent_id: number | null; space_id: number; after_id: number | null }) {
    if (target.parent_id === page.id || target.after_id === page.id) return;
    try {
      await api("POST", `/pages/${page.id}/move`, target);
    } catch (error) {
      this.toast(error instanceof ApiError ? error.message : "Could not move the page");
      return;
    }
    const pages = this.data.pages;
    pages.splice(pages.indexOf(page), 1);
    page.parent_id = target.parent_id;
    page.space_id = target.space_id;
    const moveSubtree = (parent: TreePage) => {
      for (const child of pages.filter((p) => p.parent_id === parent.id)) {
        child.space_id = target.space_id;
        moveSubtree(child);
      }
    };
    moveSubtree(page);
    let index: number;
    if (target.after_id !== null) {
      index = pages.findIndex((p) => p.id === target.after_id) + 1;
    } else {
      const first = this.children(target.space_id, target.parent_id)[0];
      index = first ? pages.indexOf(first) : pages.length;
    }
    pages.splice(index, 0, page);
    if (target.parent_id !== null) {
      this.open.add(target.parent_id);
      saveSet(OPEN_KEY, this.open);
    }
    this.render();
    document.dispatchEvent(new CustomEvent("workos:page-moved", { detail: { id: page.id, ...target } }));
  }

  private toast(message: string) {
    const toast = document.createElement("div");
    toast.className = "tree-toast";
    toast.setAttribute("role", "alert");
    toast.textContent = message;
    document.body.append(toast);
    window.setTimeout(() => toast.remove(), 5000);
  }
}

function mount() {
  mountShell();
  const root = document.getElementById("workos-page-tree");
  const data = embeddedJson<TreeData>("workos-page-tree-data");
  if (!root || !data) return;
  (window as any).workosPageTree = new PageTree(root, data);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
else mount();
