// Quick find (Ctrl+K / Cmd+K anywhere in /web but the editor, where it makes a link; Ctrl/Cmd+P everywhere; and the "Search" button the island adds to the sidebar):
// results as you type from /api/v1/search, the pages you opened last when the box is empty (the island notes
// each page opened in the editor), ↑ ↓ Enter Esc.
// Enter opens the page at the block that matched (#block-<id>); on any page, such a link scrolls to the
// block once the editor has drawn it and highlights it briefly.
// Snippets arrive as escaped text with <mark> around matches; they are rebuilt here as text nodes and <mark>
// elements, never through innerHTML, so nothing else the server sends can become markup.

import "./search.css";
import { ApiError, api } from "../lib/api";

interface PathStep {
  object: "space" | "page" | "database";
  id: number;
  title: string;
}
export interface Result {
  object: string;
  id: number;
  title: string;
  path: PathStep[];
  snippet: string;
  score: number;
  edited_at: string | null;
  block_id: string | null;
  comment_id?: number | null;
}
interface RecentEntry {
  page: { id: number; title: string; icon: string };
  visited_at: string;
}

const ICONS: Record<string, string> = { page: "📄", row: "▤", comment: "💬" };
const DEBOUNCE_MS = 120;

/** The snippet's text with its <mark>s as DOM nodes (the server escaped everything else). */
export function snippetNodes(snippet: string): Node[] {
  const nodes: Node[] = [];
  const decoder = document.createElement("textarea");
  const text = (value: string) => {
    decoder.innerHTML = value; // a textarea's content is never parsed as markup: entities decoded only
    return decoder.value;
  };
  for (const [index, part] of snippet.split(/<\/?mark>/).entries()) {
    if (!part) continue;
    if (index % 2 === 1) {
      const mark = document.createElement("mark");
      mark.textContent = text(part);
      nodes.push(mark);
    } else {
      nodes.push(document.createTextNode(text(part)));
    }
  }
  return nodes;
}

export function resultUrl(result: { id: number; block_id: string | null; comment_id?: number | null }): string {
  if (result.comment_id) return `/web/pages/${result.id}#comment-${result.comment_id}`;
  return `/web/pages/${result.id}` + (result.block_id ? `#block-${result.block_id}` : "");
}

export function breadcrumb(path: PathStep[]): string {
  return path.map((step) => step.title || "Untitled").join(" / ");
}

class QuickFind {
  private dialog: HTMLDialogElement;
  private input: HTMLInputElement;
  private list: HTMLUListElement;
  private status: HTMLElement;
  private items: { url: string; element: HTMLLIElement }[] = [];
  private active = -1;
  private timer: number | undefined;
  private inflight: AbortController | null = null;

  constructor() {
    this.dialog = document.createElement("dialog");
    this.dialog.className = "quick-find";
    this.dialog.setAttribute("aria-label", "Quick find");
    this.input = document.createElement("input");
    this.input.type = "search";
    this.input.placeholder = "Search pages and rows…";
    this.input.setAttribute("aria-label", "Search");
    this.input.setAttribute("role", "combobox");
    this.input.setAttribute("aria-controls", "quick-find-results");
    this.input.setAttribute("aria-expanded", "true");
    this.input.maxLength = 1000;
    this.status = document.createElement("p");
    this.status.className = "quick-find-status";
    this.status.setAttribute("role", "status");
    this.list = document.createElement("ul");
    this.list.id = "quick-find-results";
    this.list.className = "quick-find-results";
    this.list.setAttribute("role", "listbox");
    const footer = document.createElement("p");
    footer.className = "quick-find-footer";
    const all = document.createElement("a");
    all.textContent = "All results and filters";
    all.href = "/web/search";
    all.addEventListener("click", () => (all.href = "/web/search?q=" + encodeURIComponent(this.input.value)));
    footer.append("↑ ↓ to choose · Enter to open · Esc to close · ", all);
    this.dialog.append(this.input, this.status, this.list, footer);
    document.body.append(this.dialog);
    this.input.addEventListener("input", () => this.schedule());
    this.input.addEventListener("keydown", (event) => this.key(event));
    this.dialog.addEventListener("click", (event) => {
      if (event.target === this.dialog) this.close(); // a click on the backdrop
    });
  }

  open() {
    if (!this.dialog.open) this.dialog.showModal();
    this.input.select();
    this.refresh();
  }

  close() {
    this.inflight?.abort();
    if (this.dialog.open) this.dialog.close();
  }

  private schedule() {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.refresh(), DEBOUNCE_MS);
  }

  private async refresh() {
    this.inflight?.abort();
    const controller = new AbortController();
    this.inflight = controller;
    const query = this.input.value;
    try {
      if (!query.trim()) {
        const recent = await api<RecentEntry[]>("GET", "/pages/recent?limit=8", undefined, { signal: controller.signal });
        this.show(
          recent.map((entry) => ({ url: `/web/pages/${entry.page.id}`, icon: entry.page.icon || "📄", title: entry.page.title, path: "", snippet: "" })),
          recent.length ? "Recently visited" : "Type to search",
        );
        return;
      }
      const answer = await api<{ items: Result[] }>("GET", "/search?limit=10&q=" + encodeURIComponent(query), undefined, { signal: controller.signal });
      this.show(
        answer.items.map((item) => ({ url: resultUrl(item), icon: ICONS[item.object] ?? "📄", title: item.title, path: breadcrumb(item.path), snippet: item.snippet })),
        answer.items.length ? "" : "No results",
      );
    } catch (error) {
      if (controller.signal.aborted) return;
      this.show([], error instanceof ApiError ? error.message : "Search is not available right now");
    }
  }

  private show(entries: { url: string; icon: string; title: string; path: string; snippet: string }[], status: string) {
    this.status.textContent = status;
    this.status.classList.toggle("quick-find-none", !entries.length); // an empty state (tests/browser/test_demo_has_no_empty_state.py)
    this.list.replaceChildren();
    this.items = entries.map((entry, index) => {
      const element = document.createElement("li");
      element.className = "quick-find-item";
      element.id = `quick-find-item-${index}`;
      element.setAttribute("role", "option");
      const icon = document.createElement("span");
      icon.className = "quick-find-icon";
      icon.textContent = entry.icon;
      const body = document.createElement("div");
      body.className = "quick-find-body";
      const title = document.createElement("div");
      title.className = "quick-find-title";
      title.textContent = entry.title || "Untitled";
      body.append(title);
      if (entry.path) {
        const path = document.createElement("div");
        path.className = "quick-find-path";
        path.textContent = entry.path;
        body.append(path);
      }
      if (entry.snippet) {
        const snippet = document.createElement("div");
        snippet.className = "quick-find-snippet";
        snippet.append(...snippetNodes(entry.snippet));
        body.append(snippet);
      }
      element.append(icon, body);
      element.addEventListener("mousemove", () => this.select(index));
      element.addEventListener("click", () => this.go(entry.url));
      this.list.append(element);
      return { url: entry.url, element };
    });
    this.select(this.items.length ? 0 : -1);
  }

  private select(index: number) {
    this.items[this.active]?.element.setAttribute("aria-selected", "false");
    this.active = index;
    const item = this.items[index];
    if (item) {
      item.element.setAttribute("aria-selected", "true");
      item.element.scrollIntoView({ block: "nearest" });
      this.input.setAttribute("aria-activedescendant", item.element.id);
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  }

  private key(event: KeyboardEvent) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!this.items.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.select((this.active + step + this.items.length) % this.items.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const item = this.items[this.active];
      if (item) this.go(item.url);
    } else if (event.key === "Escape") {
      event.preventDefault();
      this.close();
    }
  }

  private go(url: string) {
    this.close();
    const target = new URL(url, location.href);
    if (target.pathname === location.pathname && target.hash) {
      location.hash = target.hash; // same page: no reload, just scroll to the block
      revealBlock();
    } else {
      location.assign(url);
    }
  }
}

/** Scroll to the block named by #block-<id> once it is drawn, and highlight it for a moment. (A #comment-<id>
 * is the comments panel's: it shows the comment when it draws the threads; on the same page, scroll to it now.) */
function revealBlock() {
  if (/^#comment-\d+$/.test(location.hash)) {
    document.getElementById(location.hash.slice(1))?.scrollIntoView({ block: "center" });
    return;
  }
  const match = location.hash.match(/^#block-([0-9a-f-]{36})$/i);
  if (!match) return;
  const selector = `[data-block-id="${match[1]}"]`;
  const reveal = (element: Element) => {
    element.scrollIntoView({ block: "center" });
    // A style rule rather than a class on the element: the editor redraws its nodes and would drop a class.
    document.querySelector("style[data-search-hit]")?.remove();
    const style = document.createElement("style");
    style.dataset.searchHit = match[1];
    style.textContent = `${selector} { background: rgba(255, 212, 0, 0.35); border-radius: 4px; }`;
    document.head.append(style);
    window.setTimeout(() => style.remove(), 2500);
  };
  const found = document.querySelector(selector);
  if (found) return reveal(found);
  const observer = new MutationObserver(() => {
    const element = document.querySelector(selector);
    if (element) {
      observer.disconnect();
      reveal(element);
    }
  });
  observer.observe(document.body, { childList: true, subtree: true });
  window.setTimeout(() => observer.disconnect(), 10_000);
}

function sidebarButton(finder: QuickFind) {
  // The shell's sidebar has a Search button waiting for this island: bind to it rather than adding a second one.
  const waiting = document.getElementById("quick-find-button");
  if (waiting) {
    waiting.classList.add("quick-find-open");
    waiting.addEventListener("click", () => finder.open());
    return;
  }
  const sidebar = document.querySelector(".sidebar");
  if (!sidebar || sidebar.querySelector(".quick-find-open")) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "quick-find-open";
  const shortcut = /Mac|iPhone|iPad/.test(navigator.platform) ? "⌘K" : "Ctrl+K";
  button.append("🔍 Search", Object.assign(document.createElement("kbd"), { textContent: shortcut }));
  button.addEventListener("click", () => finder.open());
  const brand = sidebar.querySelector(".brand");
  if (brand) brand.after(button);
  else sidebar.prepend(button);
}

function start() {
  const finder = new QuickFind();
  sidebarButton(finder);
  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
    const key = event.key.toLowerCase();
    // In the editor Ctrl/Cmd+K makes a link (as in Notion); Ctrl/Cmd+P finds everywhere.
    const inEditor = event.target instanceof Element && event.target.closest("[contenteditable=true]") !== null;
    if (key === "p" || (key === "k" && !inEditor)) {
      event.preventDefault();
      finder.open();
    }
  });
  window.addEventListener("hashchange", revealBlock);
  revealBlock();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
