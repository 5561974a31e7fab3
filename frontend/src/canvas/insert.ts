// "Insert page": a small search dialog over the pages and databases the user can see; the chosen one becomes a card.
import { api } from "../lib/api";

interface Found {
  id: number;
  title: string;
  icon: string;
}

export function insertDialog(choose: (kind: "page" | "database", id: number) => void) {
  document.querySelector(".canvas-insert-backdrop")?.remove();
  const backdrop = document.createElement("div");
  backdrop.className = "shell-dialog-backdrop canvas-insert-backdrop";
  const dialog = document.createElement("div");
  dialog.className = "shell-dialog canvas-insert";
  dialog.setAttribute("role", "dialog");
  dialog.setAttribute("aria-label", "Insert a page or database card");
  const input = document.createElement("input");
  input.type = "search";
  input.placeholder = "Search pages and databases…";
  input.setAttribute("aria-label", "Search pages and databases");
  const list = document.createElement("ul");
  list.className = "canvas-insert-results";
  dialog.append(input, list);
  backdrop.append(dialog);
  document.body.append(backdrop);
  const close = () => backdrop.remove();
  backdrop.addEventListener("click", (event) => {
    if (event.target === backdrop) close();
  });
  backdrop.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
  let ticket = 0;
  const search = async () => {
    const mine = ++ticket;
    const q = input.value.trim();
    const [pages, databases] = await Promise.all([
      api<{ items: Found[] }>("GET", `/pages?limit=8&q=${encodeURIComponent(q)}`),
      api<{ items: Found[] }>("GET", `/databases?limit=50`).catch(() => ({ items: [] as Found[] })),
    ]);
    if (mine !== ticket) return;
    const rows: [("page" | "database"), Found][] = [
      ...pages.items.map((page) => ["page", page] as ["page", Found]),
      ...databases.items.filter((d) => d.title.toLowerCase().includes(q.toLowerCase())).slice(0, 5).map((d) => ["database", d] as ["database", Found]),
    ];
    list.replaceChildren(...rows.map(([kind, found]) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "canvas-insert-result";
      button.dataset.kind = kind;
      button.textContent = `${found.icon || (kind === "database" ? "▦" : "📄")} ${found.title || "Untitled"}`;
      button.addEventListener("click", () => {
        close();
        choose(kind, found.id);
      });
      item.append(button);
      return item;
    }));
  };
  input.addEventListener("input", () => void search());
  void search();
  input.focus();
}
