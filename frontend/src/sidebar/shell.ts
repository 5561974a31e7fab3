// The app shell around the islands: sidebar collapse (Ctrl/Cmd+\, remembered), light/dark theme (Ctrl/Cmd+Shift+L,
// remembered), "New page" / "New database" actions (Ctrl/Cmd+N / Alt+N), the page "⋯" menu (favourite, copy
// link, duplicate, move to, delete with Undo), the trash (restore, delete forever) and toasts. Every change goes
// through /api/v1, so the services check permissions and write the audit trail.

import { debounced, onLiveNotice } from "../lib/events";
import { api, embeddedJson } from "../lib/api";
import { importIntoPage, mountImportSettings } from "./imports";
import { mountAccount, mountTokens, mountWorkspaceSettings } from "./settings";
import { shareDialog } from "./share";
import { closePopups, confirmDialog, dialog, message, openMenu, store, stored, toast, when } from "./ui";

export { toast } from "./ui";

const COLLAPSED_KEY = "workos:sidebar:collapsed";
const THEME_KEY = "workos:theme";

type Theme = "light" | "dark" | "system";

// --- sidebar and theme -------------------------------------------------------------------------------------

function setCollapsed(collapsed: boolean) {
  document.body.classList.toggle("sidebar-collapsed", collapsed);
  store(COLLAPSED_KEY, collapsed ? "1" : "0");
}

const SIDEBAR_WIDTH = { min: 200, max: 480, initial: 248 };

/** The sidebar's width is remembered per user (in this browser): two people sharing a machine keep their own. */
function widthKey(): string {
  return `workos:${document.getElementById("workos-sidebar")?.dataset.user ?? "anonymous"}:sidebar:width`;
}

function setSidebarWidth(width: number | null) {
  const style = document.documentElement.style;
  if (width === null) style.removeProperty("--sidebar-width");
  else style.setProperty("--sidebar-width", `${Math.round(Math.min(SIDEBAR_WIDTH.max, Math.max(SIDEBAR_WIDTH.min, width)))}px`);
}

function mountSidebarResizer() {
  const saved = Number(stored(widthKey()));
  if (saved) setSidebarWidth(saved);
  const handle = document.querySelector<HTMLElement>(".sidebar-resizer");
  if (!handle) return;
  handle.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    handle.classList.add("is-dragging");
    const move = (moved: PointerEvent) => setSidebarWidth(moved.clientX);
    const stop = () => {
      handle.classList.remove("is-dragging");
      handle.removeEventListener("pointermove", move);
      const width = parseInt(getComputedStyle(document.documentElement).getPropertyValue("--sidebar-width"), 10);
      if (width) store(widthKey(), String(width));
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", stop, { once: true });
    handle.addEventListener("pointercancel", stop, { once: true });
  });
  handle.addEventListener("dblclick", () => {
    setSidebarWidth(null);
    store(widthKey(), "");
  });
}

function applyTheme(theme: Theme) {
  if (theme === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  for (const input of document.querySelectorAll<HTMLInputElement>("input[data-theme-choice]")) input.checked = input.value === theme;
}

function currentTheme(): Theme {
  const value = stored(THEME_KEY);
  return value === "light" || value === "dark" ? value : "system";
}

function setTheme(theme: Theme) {
  store(THEME_KEY, theme);
  applyTheme(theme);
}

function toggleDark() {
  const dark = document.documentElement.dataset.theme === "dark" || (currentTheme() === "system" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  setTheme(dark ? "light" : "dark");
}

// --- creating ----------------------------------------------------------------------------------------------

interface Created {
  id: number;
}

/** A space to create in: the one the button names, else the first one of the tree the user may create in, else
 * a new workspace with a first space (a member with nothing yet gets a page in one click). */
async function spaceFor(button?: HTMLElement | null): Promise<number> {
  const named = Number(button?.dataset.spaceId);
  if (named) return named;
  const tree = embeddedJson<{ spaces: { id: number; can_create: boolean }[] }>("workos-page-tree-data");
  const space = tree?.spaces.find((s) => s.can_create);
  if (space) return space.id;
  const workspace = await api<Created>("POST", "/workspaces", { name: "My workspace" });
  const created = await api<Created>("POST", "/spaces", { workspace_id: workspace.id, name: "General" });
  return created.id;
}

async function newPage(button?: HTMLElement | null) {
  try {
    const page = await api<Created>("POST", "/pages", { space_id: await spaceFor(button), title: "" });
    window.location.assign(`/web/pages/${page.id}`);
  } catch (error) {
    toast(message(error, "Could not create the page"));
  }
}

async function newDatabase(button?: HTMLElement | null) {
  try {
    const database = await api<Created>("POST", "/databases", { space_id: await spaceFor(button), title: "" });
    window.location.assign(`/web/databases/${database.id}`);
  } catch (error) {
    toast(message(error, "Could not create the database"));
  }
}

// --- the page menu -----------------------------------------------------------------------------------------

export interface PageMenuData {
  id: number;
  title: string;
  archived: boolean;
  editable: boolean;
  favorite: boolean;
  space_id?: number;
  full_width?: boolean;
  small_text?: boolean;
}

interface TreeData {
  spaces: { id: number; name: string; icon: string; can_create: boolean }[];
  pages: { id: number; parent_id: number | null; space_id: number; title: string; icon: string }[];
}

/** The "⋯" menu of a page, on the page itself and on its row in the sidebar. */
export function pageMenu(anchor: HTMLElement, data: PageMenuData) {
  const items: { label: string; icon: string; run: () => void; danger?: boolean }[] = [
    {
      label: data.favorite ? "Remove from favourites" : "Add to favourites",
      icon: data.favorite ? "★" : "☆",
      run: () => void toggleFavorite(data),
    },
    { label: "Copy link", icon: "🔗", run: () => void copyLink(data.id) },
  ];
  if (!data.archived) {
    items.push({ label: "Duplicate", icon: "⧉", run: () => void duplicate(data.id) });
    if (data.editable) items.push({ label: "Move to…", icon: "↪", run: () => movePicker(data) });
    items.push({ label: "Page history", icon: "🕘", run: () => void historyDialog(data) });
    // Offered where the canvas module is installed (it says so in the page head), except on the canvas itself, to
    // people who may edit the page: the first time it makes the canvas side. Readers open an existing one from the
    // "Canvas" link under the page title.
    const onItsCanvas = document.getElementById("workos-canvas")?.dataset.pageId === String(data.id);
    if (document.querySelector('meta[name="workos-canvas"]') && !onItsCanvas && data.editable) {
      items.push({ label: "Open as canvas", icon: "🎨", run: () => void openAsCanvas(data.id) });
    }
    items.push({ label: "Export: Markdown (portable zip)", icon: "⤓", run: () => download(`/pages/${data.id}/export?format=markdown&subpages=true&links=portable`) });
    items.push({ label: "Export: Markdown with WorkOS links", icon: "⤓", run: () => download(`/pages/${data.id}/export?format=markdown&subpages=true&links=instance`) });
    if (data.editable && data.space_id) items.push({ label: "Import into this page…", icon: "⤒", run: () => importIntoPage(data.space_id!, data.id) });
    // Islands of other modules add their items (templates: "Save as template") by listening to this event.
    document.dispatchEvent(new CustomEvent("workos:page-menu", { detail: { page: data, items } }));
    const onThePage = embeddedJson<PageMenuData>("workos-page-menu-data")?.id === data.id;
    if (onThePage && data.editable) {
      items.push({ label: data.full_width ? "Standard width" : "Full width", icon: "↔", run: () => void setLayout(data, "full_width") });
      items.push({ label: data.small_text ? "Default text size" : "Small text", icon: "ᴀ", run: () => void setLayout(data, "small_text") });
    }
    items.push({ label: "Delete", icon: "🗑", run: () => void trashPage(data.id, onThePage), danger: true });
  }
  openMenu(anchor, items);
}

/** The page's canvas side (made the first time, by someone who may edit the page). */
async function openAsCanvas(pageId: number) {
  try {
    const canvas = await api<{ url: string }>("POST", `/pages/${pageId}/canvas`);
    window.location.assign(canvas.url);
  } catch (error) {
    toast(message(error, "Could not open the page as a canvas"));
  }
}

/** Full width and small text are the page's own (for everyone who opens it), saved at once like Notion does. */
async function setLayout(data: PageMenuData, key: "full_width" | "small_text") {
  const value = !data[key];
  try {
    await api("PATCH", `/pages/${data.id}`, { [key]: value });
  } catch (error) {
    toast(message(error, "Could not change the page's layout"));
    return;
  }
  data[key] = value;
  document.getElementById("workos-page")?.classList.toggle(key === "full_width" ? "page-full-width" : "page-small-text", value);
}

async function toggleFavorite(data: PageMenuData) {
  try {
    if (data.favorite) await api("DELETE", `/favorites/${data.id}`);
    else await api("POST", "/favorites", { page_id: data.id });
    data.favorite = !data.favorite;
    document.dispatchEvent(new CustomEvent("workos:favorites-changed", { detail: { id: data.id, favorite: data.favorite, title: data.title } }));
    toast(data.favorite ? "Added to favourites" : "Removed from favourites");
  } catch (error) {
    toast(message(error, "Could not change your favourites"));
  }
}

async function copyLink(pageId: number) {
  const link = `${window.location.origin}/web/pages/${pageId}`;
  try {
    await navigator.clipboard.writeText(link);
    toast("Link copied");
  } catch {
    toast(link);
  }
}

async function duplicate(pageId: number) {
  try {
    const copy = await api<Created>("POST", `/pages/${pageId}/duplicate`, {});
    window.location.assign(`/web/pages/${copy.id}`);
  } catch (error) {
    toast(message(error, "Could not duplicate the page"));
  }
}

/** Move the page to the trash; on the page itself, go home afterwards. Undo brings it back. */
async function trashPage(pageId: number, leave: boolean) {
  try {
    await api("DELETE", `/pages/${pageId}`);
  } catch (error) {
    toast(message(error, "Could not delete the page"));
    return;
  }
  const undo = async () => {
    try {
      await api("POST", `/pages/${pageId}/restore`, {});
      window.location.assign(`/web/pages/${pageId}`);
    } catch (error) {
      toast(message(error, "Could not restore the page"));
    }
  };
  document.dispatchEvent(new CustomEvent("workos:page-trashed", { detail: { id: pageId } }));
  if (leave) {
    // The page is gone from here: show the trash state of the page with the Undo toast on top.
    sessionStorage.setItem("workos:undo-trash", String(pageId));
    window.location.assign(`/web/pages/${pageId}`);
    return;
  }
  toast("Moved to the trash", { label: "Undo", run: () => void undo() });
}

function offerUndoAfterReload() {
  const pageId = Number(sessionStorage.getItem("workos:undo-trash"));
  sessionStorage.removeItem("workos:undo-trash");
  if (!pageId) return;
  toast("Moved to the trash", {
    label: "Undo",
    run: async () => {
      try {
        await api("POST", `/pages/${pageId}/restore`, {});
        window.location.reload();
      } catch (error) {
        toast(message(error, "Could not restore the page"));
      }
    },
  });
}

function movePicker(data: PageMenuData) {
  const tree = embeddedJson<TreeData>("workos-page-tree-data");
  const { backdrop, body } = dialog("Move to");
  const search = document.createElement("input");
  search.type = "search";
  search.className = "shell-picker-search";
  search.placeholder = "Search for a page or a space";
  search.setAttribute("aria-label", "Search for a page or a space");
  const list = document.createElement("ul");
  list.className = "shell-picker-list";
  list.setAttribute("role", "listbox");
  body.append(search, list);
  const spaces = (tree?.spaces ?? []).filter((s) => s.can_create);
  const spaceIds = new Set(spaces.map((s) => s.id));
  // A page cannot go inside itself or its own sub-pages.
  const excluded = new Set<number>([data.id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const page of tree?.pages ?? []) {
      if (page.parent_id !== null && excluded.has(page.parent_id) && !excluded.has(page.id)) {
        excluded.add(page.id);
        grew = true;
      }
    }
  }
  const targets = [
    ...spaces.map((s) => ({ label: s.name, icon: s.icon || "▣", hint: "Space", target: { space_id: s.id, parent_id: null as number | null } })),
    ...(tree?.pages ?? [])
      .filter((p) => spaceIds.has(p.space_id) && !excluded.has(p.id))
      .map((p) => ({ label: p.title.trim() || "Untitled", icon: p.icon || "📄", hint: spaces.find((s) => s.id === p.space_id)?.name ?? "", target: { space_id: p.space_id, parent_id: p.id as number | null } })),
  ];
  const draw = () => {
    const query = search.value.trim().toLowerCase();
    list.replaceChildren();
    for (const entry of targets.filter((t) => !query || t.label.toLowerCase().includes(query)).slice(0, 50)) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "shell-picker-item";
      button.setAttribute("role", "option");
      const hint = document.createElement("span");
      hint.className = "muted";
      hint.textContent = entry.hint;
      button.append(`${entry.icon} ${entry.label} `, hint);
      button.addEventListener("click", async () => {
        try {
          await api("POST", `/pages/${data.id}/move`, entry.target);
          backdrop.remove();
          window.location.reload();
        } catch (error) {
          toast(message(error, "Could not move the page"));
        }
      });
      item.append(button);
      list.append(item);
    }
    if (!list.childElementCount) {
      const empty = document.createElement("li");
      empty.className = "muted shell-picker-empty";
      empty.textContent = "Nothing matches";
      list.append(empty);
    }
  };
  search.addEventListener("input", draw);
  draw();
  search.focus();
}

// --- history and export -----------------------------------------------------------------------------------

interface Version {
  number: number;
  title: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  restored_from: number | null;
  label?: string;
}

interface BlockTree {
  type: string;
  content?: { text?: { text?: string }[] };
  children?: BlockTree[];
}

function blockLines(trees: BlockTree[], depth = 0): { type: string; text: string; depth: number }[] {
  const lines: { type: string; text: string; depth: number }[] = [];
  for (const tree of trees) {
    const text = (tree.content?.text ?? []).map((span) => span.text ?? "").join("");
    lines.push({ type: tree.type, text, depth });
    if (tree.children?.length) lines.push(...blockLines(tree.children, depth + 1));
  }
  return lines;
}

async function historyDialog(data: PageMenuData) {
  let versions: Version[];
  try {
    versions = (await api<{ items: Version[] }>("GET", `/pages/${data.id}/history?limit=100`)).items;
  } catch (error) {
    toast(message(error, "Could not load the page history"));
    return;
  }
  const { backdrop, body } = dialog("Page history");
  backdrop.querySelector(".shell-dialog")?.classList.add("is-wide");
  const layout = document.createElement("div");
  layout.className = "history";
  const list = document.createElement("ul");
  list.className = "history-list";
  const preview = document.createElement("div");
  preview.className = "history-preview";
  preview.textContent = versions.length ? "Choose a version to see it." : "No saved versions yet.";
  layout.append(list, preview);
  body.append(layout);
  const show = async (version: Version, button: HTMLElement) => {
    for (const other of list.querySelectorAll(".is-selected")) other.classList.remove("is-selected");
    button.classList.add("is-selected");
    let detail: Version & { content: { blocks?: BlockTree[] } };
    try {
      detail = await api("GET", `/pages/${data.id}/history/${version.number}`);
    } catch (error) {
      preview.textContent = message(error, "Could not load this version");
      return;
    }
    const title = document.createElement("h3");
    title.className = "history-title";
    title.textContent = detail.title.trim() || "Untitled";
    const text = document.createElement("div");
    text.className = "history-text";
    for (const line of blockLines(detail.content?.blocks ?? [])) {
      const row = document.createElement("p");
      row.className = `history-block is-${line.type}`;
      row.style.marginLeft = `${line.depth * 18}px`;
      row.textContent = line.text || (line.type === "divider" ? "———" : "");
      text.append(row);
    }
    const restore = document.createElement("button");
    restore.type = "button";
    restore.className = "shell-primary";
    restore.dataset.restoreVersion = String(version.number);
    restore.textContent = "Restore this version";
    restore.disabled = !data.editable;
    restore.addEventListener("click", async () => {
      try {
        await api("POST", `/pages/${data.id}/history/${version.number}/restore`, {});
        backdrop.remove();
        window.location.reload();
      } catch (error) {
        toast(message(error, "Could not restore this version"));
      }
    });
    preview.replaceChildren(title, text, restore);
  };
  for (const version of versions) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "history-item";
    button.dataset.versionNumber = String(version.number);
    const label = document.createElement("span");
    label.className = "history-when";
    label.textContent = when(version.updated_at);
    const who = document.createElement("span");
    who.className = "muted history-who";
    who.textContent = `${version.created_by ?? "someone"}${version.restored_from ? ` · restored v${version.restored_from}` : ""}${version.label ? ` · ${version.label}` : ""}`;
    button.append(label, who);
    button.addEventListener("click", () => void show(version, button));
    item.append(button);
    list.append(item);
  }
}

/** The "⋯" menu of a space in the sidebar: what a reader of the space may do with all of it. */
export function spaceMenu(anchor: HTMLElement, space: { id: number; name: string }) {
  openMenu(anchor, [
    { label: "Export space (portable zip)", icon: "⤓", run: () => download(`/spaces/${space.id}/export?format=markdown&links=portable`) },
    { label: "Export space with WorkOS links", icon: "⤓", run: () => download(`/spaces/${space.id}/export?format=markdown&links=instance`) },
  ]);
}

function download(path: string) {
  // The API answers with a zip (pages, databases as CSV, attachments); the browser saves it.
  const link = document.createElement("a");
  link.href = `/api/v1${path}`;
  link.download = "";
  document.body.append(link);
  link.click();
  link.remove();
}

// --- the trash ---------------------------------------------------------------------------------------------

async function restorePage(pageId: number) {
  try {
    await api("POST", `/pages/${pageId}/restore`, {});
    if (document.getElementById("workos-trash")) removeTrashEntry(pageId, "Page restored");
    else window.location.reload();
  } catch (error) {
    toast(message(error, "Could not restore the page"));
  }
}

/** A row or a database in the trash: its module's restore endpoint, named by the server. */
async function restoreItem(button: HTMLElement) {
  try {
    await api("POST", button.dataset.apiPath!, {});
    button.closest(".trash-entry")?.remove();
    const empty = document.querySelector<HTMLElement>(".trash-empty");
    if (empty) empty.hidden = !!document.querySelector(".trash-entry");
    toast("Restored");
  } catch (error) {
    toast(message(error, "Could not restore it"));
  }
}

async function deleteForever(pageId: number) {
  if (!(await confirmDialog("Delete forever?", "The page and its sub-pages are deleted for good. This cannot be undone.", "Delete forever"))) return;
  try {
    await api("DELETE", `/trash/${pageId}`);
    if (document.getElementById("workos-trash")) removeTrashEntry(pageId, "Deleted forever");
    else window.location.assign("/web/trash");
  } catch (error) {
    toast(message(error, "Could not delete the page"));
  }
}

function removeTrashEntry(pageId: number, text: string) {
  document.querySelector(`.trash-entry[data-page-id="${pageId}"]`)?.remove();
  const empty = document.querySelector<HTMLElement>(".trash-empty");
  if (empty) empty.hidden = !!document.querySelector(".trash-entry");
  toast(text);
}

function filterTrash(query: string) {
  const needle = query.trim().toLowerCase();
  for (const entry of document.querySelectorAll<HTMLElement>(".trash-entry")) entry.hidden = !!needle && !(entry.dataset.title ?? "").includes(needle);
}

// --- wiring ------------------------------------------------------------------------------------------------

/** The sidebar's Inbox entry keeps its unread count live: a notice says the inbox changed, the count is fetched. */
function mountLiveInboxBadge() {
  const link = document.getElementById("sidebar-inbox");
  if (!link) return;
  const refresh = debounced(async () => {
    let unread: number;
    try {
      unread = (await api<{ unread: number }>("GET", "/notifications?unread=true&limit=1")).unread;
    } catch {
      return;
    }
    let badge = link.querySelector<HTMLElement>(".sidebar-badge");
    if (!unread) {
      badge?.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "sidebar-badge";
      link.append(" ", badge);
    }
    badge.textContent = String(unread);
    badge.setAttribute("aria-label", `${unread} unread`);
  });
  onLiveNotice((notice) => {
    if (notice.kind === "notification" || notice.kind === "hello") refresh();
  });
}

export function mountShell() {
  applyTheme(currentTheme());
  if (stored(COLLAPSED_KEY) === "1") document.body.classList.add("sidebar-collapsed");
  mountSidebarResizer();
  const pageMenuData = embeddedJson<PageMenuData>("workos-page-menu-data");
  if (pageMenuData && !pageMenuData.archived) void api("POST", `/pages/${pageMenuData.id}/visit`, {}).catch(() => undefined);
  offerUndoAfterReload();
  mountAccount();
  mountTokens();
  mountImportSettings();
  void mountWorkspaceSettings();
  mountLiveInboxBadge();

  document.addEventListener("click", (event) => {
    const target = (event.target as HTMLElement).closest<HTMLElement>("[data-action]");
    if (!target) {
      if (!(event.target as HTMLElement).closest(".shell-menu")) for (const menu of document.querySelectorAll(".shell-menu")) menu.remove();
      return;
    }
    const pageId = Number(target.dataset.pageId);
    switch (target.dataset.action) {
      case "toggle-sidebar":
        setCollapsed(!document.body.classList.contains("sidebar-collapsed"));
        break;
      case "new-page":
        void newPage(target);
        break;
      case "new-database":
        void newDatabase(target);
        break;
      case "page-menu":
        if (pageMenuData) {
          event.stopPropagation();
          pageMenu(target, pageMenuData);
        }
        break;
      case "share":
        void shareDialog(target);
        break;
      case "restore-item":
        void restoreItem(target);
        break;
      case "restore-page":
        void restorePage(pageId);
        break;
      case "delete-forever":
        void deleteForever(pageId);
        break;
    }
  });
  for (const input of document.querySelectorAll<HTMLInputElement>("input[data-theme-choice]")) {
    input.addEventListener("change", () => input.checked && setTheme(input.value as Theme));
  }
  document.querySelector<HTMLInputElement>("[data-trash-search]")?.addEventListener("input", (event) => filterTrash((event.target as HTMLInputElement).value));
  document.addEventListener("keydown", (event) => {
    const mod = event.ctrlKey || event.metaKey;
    if (event.key === "Escape" && document.querySelector(".shell-menu, .shell-dialog-backdrop")) {
      closePopups();
      event.preventDefault();
    } else if (mod && event.key === "\\") {
      event.preventDefault();
      setCollapsed(!document.body.classList.contains("sidebar-collapsed"));
    } else if (mod && event.shiftKey && event.key.toLowerCase() === "l") {
      event.preventDefault();
      toggleDark();
    } else if ((mod || event.altKey) && !event.shiftKey && event.key.toLowerCase() === "n") {
      // Chrome keeps Ctrl+N for a new window; Alt+N does the same where the browser does not hand it over.
      event.preventDefault();
      void newPage(null);
    }
  });
}
