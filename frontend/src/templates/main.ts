// Templates everywhere outside the gallery: "Save as template" in the page "⋯" menu (through the shell's
// workos:page-menu event) and on a database page, a row-template picker beside a database's "New" (and "New"
// itself using the database's default row template), "Start from a template" in the sidebar tree and on Home,
// and the gallery's instant filtering. Every change goes through /api/v1/templates.
// No inline handlers and no innerHTML: elements are built here and bound with addEventListener (strict CSP).

import "./templates.css";
import { ApiError, api } from "../lib/api";

interface Template {
  id: number;
  name: string;
  icon: string;
  is_default: boolean;
  can_change: boolean;
}
interface Applied {
  object: string;
  id: number;
  page_id: number | null;
  url: string;
}
interface MenuItem {
  label: string;
  icon: string;
  run: () => void;
}

function say(text: string) {
  const box = document.createElement("div");
  box.className = "shell-toast";
  box.setAttribute("role", "status");
  box.textContent = text;
  document.querySelector(".shell-toast")?.remove();
  document.body.append(box);
  window.setTimeout(() => box.remove(), 5000);
}

function failure(error: unknown, fallback: string): string {
  return error instanceof ApiError ? error.message : fallback;
}

async function saveAsTemplate(body: Record<string, unknown>, title: string) {
  const name = window.prompt("Template name", title || "Untitled");
  if (name === null) return;
  try {
    const saved = await api<Template>("POST", "/templates", { ...body, name: name.trim() || title || "Untitled" });
    say(`Saved “${saved.name}” as a template`);
    window.setTimeout(() => window.location.assign(`/web/templates?preview=${saved.id}`), 600);
  } catch (error) {
    say(failure(error, "Could not save the template"));
  }
}

// --- page menu ---------------------------------------------------------------------------------------------

document.addEventListener("workos:page-menu", (event) => {
  const detail = (event as CustomEvent<{ page: { id: number; title: string }; items: MenuItem[] }>).detail;
  detail.items.push({ label: "Save as template", icon: "✨", run: () => void saveAsTemplate({ page_id: detail.page.id }, detail.page.title) });
});

// --- database pages: Save as template, row templates beside New -------------------------------------------

function closeMenus() {
  for (const menu of document.querySelectorAll(".tpl-menu")) menu.remove();
}

function openMenu(anchor: HTMLElement, items: MenuItem[]) {
  closeMenus();
  const menu = document.createElement("div");
  menu.className = "tpl-menu";
  menu.setAttribute("role", "menu");
  for (const item of items) {
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("role", "menuitem");
    button.textContent = `${item.icon} ${item.label}`;
    button.addEventListener("click", () => {
      closeMenus();
      item.run();
    });
    menu.append(button);
  }
  const box = anchor.getBoundingClientRect();
  menu.style.top = `${box.bottom + window.scrollY + 4}px`;
  menu.style.left = `${Math.max(8, box.right + window.scrollX - 240)}px`;
  document.body.append(menu);
  menu.querySelector("button")?.focus();
}

async function applyRowTemplate(databaseId: number, template: Template) {
  try {
    const row = await api<Applied>("POST", `/templates/${template.id}/apply`, { database_id: databaseId });
    if (row.page_id) window.location.assign(`/web/pages/${row.page_id}`);
    else window.location.reload();
  } catch (error) {
    say(failure(error, "Could not add the row"));
  }
}

async function mountDatabase(section: HTMLElement) {
  const databaseId = Number(section.dataset.databaseId);
  const title = (document.querySelector<HTMLInputElement>(".db-title")?.value ?? "").trim();
  const actions = document.querySelector<HTMLElement>(".db-topbar .page-topbar-actions");
  if (actions) {
    const save = document.createElement("button");
    save.type = "button";
    save.className = "topbar-button";
    save.dataset.templateSave = "database";
    save.textContent = "Save as template";
    save.addEventListener("click", () => {
      const rows = window.confirm("Include the rows as example rows? (Cancel saves the structure only.)");
      void saveAsTemplate({ database_id: databaseId, include_rows: rows }, title);
    });
    actions.prepend(save);
  }
  const newButton = document.querySelector<HTMLButtonElement>(".db-new[data-action=new-row]");
  if (!newButton) return;
  let templates: Template[] = [];
  try {
    templates = await api<Template[]>("GET", `/databases/${databaseId}/row-templates`);
  } catch {
    return;
  }
  const picker = document.createElement("button");
  picker.type = "button";
  picker.className = "db-new tpl-row-templates";
  picker.setAttribute("aria-label", "New from a row template");
  picker.setAttribute("aria-haspopup", "menu");
  picker.title = "New from a row template";
  picker.textContent = "▾";
  picker.addEventListener("click", (event) => {
    event.stopPropagation();
    const items: MenuItem[] = templates.map((template) => ({
      label: template.name + (template.is_default ? " (default)" : ""),
      icon: template.icon || "📄",
      run: () => void applyRowTemplate(databaseId, template),
    }));
    items.push({ label: "New row template…", icon: "＋", run: () => void newRowTemplate(databaseId) });
    openMenu(picker, items);
  });
  newButton.after(picker);
  const fallback = templates.find((template) => template.is_default);
  if (fallback) {
    newButton.title = `New ${fallback.name} (the default row template)`;
    // "New" makes a row from the default row template; the views island's own handler does not run then.
    newButton.addEventListener("click", (event) => {
      event.stopImmediatePropagation();
      event.preventDefault();
      void applyRowTemplate(databaseId, fallback);
    }, { capture: true });
  }
}

async function newRowTemplate(databaseId: number) {
  const name = window.prompt("Row template name", "Bug report");
  if (!name) return;
  try {
    await api("POST", `/databases/${databaseId}/row-templates`, { name, content: { row: { blocks: [] } } });
    say(`Row template “${name}” added`);
    window.setTimeout(() => window.location.reload(), 600);
  } catch (error) {
    say(failure(error, "Could not add the row template"));
  }
}

// --- Start from a template: Home and the sidebar tree ------------------------------------------------------

function templateLink(className: string, spaceId: string | undefined, text: string): HTMLAnchorElement {
  const link = document.createElement("a");
  link.className = className;
  link.href = "/web/templates" + (spaceId ? `?space_id=${encodeURIComponent(spaceId)}` : "");
  link.textContent = text;
  return link;
}

function mountHome() {
  const actions = document.querySelector<HTMLElement>(".home-actions");
  if (!actions || actions.querySelector(".home-from-template")) return;
  const spaceId = actions.querySelector<HTMLElement>("[data-space-id]")?.dataset.spaceId;
  const link = templateLink("home-action home-from-template", spaceId, "");
  const icon = document.createElement("span");
  icon.setAttribute("aria-hidden", "true");
  icon.textContent = "✨";
  link.append(icon, " Start from a template");
  actions.append(link);
}

function decorateTree(tree: HTMLElement) {
  for (const add of tree.querySelectorAll<HTMLElement>(".tree-new-page")) {
    if (add.nextElementSibling?.classList.contains("tree-from-template")) continue;
    add.after(templateLink("tree-from-template", add.dataset.spaceId, "✨ From a template"));
  }
}

function mountTree() {
  const tree = document.getElementById("workos-page-tree");
  if (!tree) return;
  decorateTree(tree);
  new MutationObserver(() => decorateTree(tree)).observe(tree, { childList: true, subtree: true });
}

// --- an empty page: the server's "Start from a template" panel goes right under the editor -----------------

function mountEmptyPagePanel() {
  const panel = document.querySelector<HTMLElement>("[data-template-panel]");
  const host = document.querySelector<HTMLElement>("#workos-page .editor-host");
  if (!panel || !host) return;
  host.after(panel);
  // Once the user writes, the page is no longer empty: the offer goes away (applying would be refused).
  const update = () => {
    const editor = host.querySelector<HTMLElement>(".workos-editor");  // the document only, not the editor's controls
    panel.hidden = !!editor && (editor.textContent ?? "").trim().length > 0;
  };
  new MutationObserver(update).observe(host, { childList: true, subtree: true, characterData: true });
  update();
}

// --- the gallery: filter as you type -----------------------------------------------------------------------

function mountGallery() {
  const search = document.querySelector<HTMLInputElement>("[data-template-search]");
  if (!search) return;
  search.addEventListener("input", () => {
    const needle = search.value.trim().toLowerCase();
    for (const card of document.querySelectorAll<HTMLElement>(".tpl-card")) {
      card.hidden = !!needle && !(card.dataset.templateName ?? "").includes(needle) && !(card.textContent ?? "").toLowerCase().includes(needle);
    }
  });
}

document.addEventListener("click", (event) => {
  if (!(event.target as HTMLElement).closest(".tpl-menu")) closeMenus();
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") closeMenus();
});

const database = document.getElementById("workos-database");
if (database) void mountDatabase(database);
mountHome();
mountTree();
mountEmptyPagePanel();
mountGallery();
