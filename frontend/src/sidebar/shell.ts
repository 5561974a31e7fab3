// The app shell around the islands: sidebar collapse (Ctrl/Cmd+\, remembered), light/dark theme (Ctrl/Cmd+Shift+L,
// remembered), "New page" / "New database" actions (Ctrl/Cmd+N / Alt+N), the page "⋯" menu (favourite, copy
// link, duplicate, move to, delete with Undo), the trash (restore, delete forever) and toasts. Every change goes
// through /api/v1, so the services check permissions and write the audit trail.

import { ApiError, api, embeddedJson } from "../lib/api";

const COLLAPSED_KEY = "workos:sidebar:collapsed";
const THEME_KEY = "workos:theme";

type Theme = "light" | "dark" | "system";

function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function store(key: string, value: string) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* storage off: the choice lasts for this page only */
  }
}

function message(error: unknown, fallback: string): string {
  return error instanceof ApiError ? error.message : fallback;
}

// --- toasts ------------------------------------------------------------------------------------------------

export function toast(text: string, action?: { label: string; run: () => void }) {
  document.querySelector(".shell-toast")?.remove();
  const box = document.createElement("div");
  box.className = "shell-toast";
  box.setAttribute("role", "status");
  const label = document.createElement("span");
  label.textContent = text;
  box.append(label);
  if (action) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "shell-toast-action";
    button.textContent = action.label;
    button.addEventListener("click", () => {
      box.remove();
      action.run();
    });
    box.append(button);
  }
  document.body.append(box);
  window.setTimeout(() => box.remove(), action ? 8000 : 4000);
}

// --- sidebar and theme -------------------------------------------------------------------------------------

function setCollapsed(collapsed: boolean) {
  document.body.classList.toggle("sidebar-collapsed", collapsed);
  store(COLLAPSED_KEY, collapsed ? "1" : "0");
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

// --- dialogs and menus -------------------------------------------------------------------------------------

function closePopups() {
  for (const element of document.querySelectorAll(".shell-menu, .shell-dialog-backdrop")) element.remove();
}

function openMenu(anchor: HTMLElement, items: { label: string; icon: string; run: () => void; danger?: boolean }[]) {
  closePopups();
  const menu = document.createElement("div");
  menu.className = "shell-menu";
  menu.setAttribute("role", "menu");
  for (const item of items) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "shell-menu-item" + (item.danger ? " is-danger" : "");
    button.setAttribute("role", "menuitem");
    const icon = document.createElement("span");
    icon.className = "shell-menu-icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = item.icon;
    button.append(icon, document.createTextNode(item.label));
    button.addEventListener("click", () => {
      closePopups();
      item.run();
    });
    menu.append(button);
  }
  document.body.append(menu);
  const rect = anchor.getBoundingClientRect();
  menu.style.top = `${rect.bottom + 4 + window.scrollY}px`;
  menu.style.left = `${Math.max(8, Math.min(rect.right - menu.offsetWidth, window.innerWidth - menu.offsetWidth - 8))}px`;
  menu.querySelector<HTMLElement>("button")?.focus();
}

function dialog(title: string): { backdrop: HTMLElement; body: HTMLElement } {
  closePopups();
  const backdrop = document.createElement("div");
  backdrop.className = "shell-dialog-backdrop";
  const box = document.createElement("div");
  box.className = "shell-dialog";
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-modal", "true");
  box.setAttribute("aria-label", title);
  const heading = document.createElement("h2");
  heading.className = "shell-dialog-title";
  heading.textContent = title;
  const body = document.createElement("div");
  body.className = "shell-dialog-body";
  box.append(heading, body);
  backdrop.append(box);
  backdrop.addEventListener("mousedown", (event) => {
    if (event.target === backdrop) backdrop.remove();
  });
  document.body.append(backdrop);
  return { backdrop, body };
}

function confirmDialog(title: string, text: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const { backdrop, body } = dialog(title);
    const paragraph = document.createElement("p");
    paragraph.textContent = text;
    const buttons = document.createElement("div");
    buttons.className = "shell-dialog-buttons";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button-quiet";
    cancel.textContent = "Cancel";
    const confirm = document.createElement("button");
    confirm.type = "button";
    confirm.className = "shell-primary is-danger";
    confirm.dataset.confirm = "";
    confirm.textContent = confirmLabel;
    buttons.append(cancel, confirm);
    body.append(paragraph, buttons);
    const finish = (answer: boolean) => {
      backdrop.remove();
      resolve(answer);
    };
    cancel.addEventListener("click", () => finish(false));
    confirm.addEventListener("click", () => finish(true));
    new MutationObserver((_, observer) => {
      if (!backdrop.isConnected) {
        observer.disconnect();
        resolve(false);
      }
    }).observe(document.body, { childList: true });
    confirm.focus();
  });
}

// --- the page menu -----------------------------------------------------------------------------------------

export interface PageMenuData {
  id: number;
  title: string;
  archived: boolean;
  editable: boolean;
  favorite: boolean;
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
    items.push({ label: "Export as Markdown", icon: "⤓", run: () => exportPage(data.id) });
    // Islands of other modules add their items (templates: "Save as template") by listening to this event.
    document.dispatchEvent(new CustomEvent("workos:page-menu", { detail: { page: data, items } }));
    const onThePage = embeddedJson<PageMenuData>("workos-page-menu-data")?.id === data.id;
    items.push({ label: "Delete", icon: "🗑", run: () => void trashPage(data.id, onThePage), danger: true });
  }
  openMenu(anchor, items);
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

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
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
    who.textContent = `${version.created_by ?? "someone"}${version.restored_from ? ` · restored v${version.restored_from}` : ""}`;
    button.append(label, who);
    button.addEventListener("click", () => void show(version, button));
    item.append(button);
    list.append(item);
  }
}

function exportPage(pageId: number) {
  // The API answers with a zip (the page, its sub-pages and attachments); the browser saves it.
  const link = document.createElement("a");
  link.href = `/api/v1/pages/${pageId}/export?format=markdown&subpages=true`;
  link.download = "";
  document.body.append(link);
  link.click();
  link.remove();
}

// --- sharing ----------------------------------------------------------------------------------------------

const LEVELS: [string, string][] = [
  ["manage", "Full access"],
  ["edit", "Can edit"],
  ["comment", "Can comment"],
  ["view", "Can view"],
];

interface Grant {
  id: number;
  scope_model: string;
  scope_id: string;
  user_id: number | null;
  group_id: number | null;
  level: string;
}

interface ShareLink {
  id: number;
  prefix: string;
  level: string;
  expires_at: string | null;
  revoked_at: string | null;
}

interface Scope {
  model: string;
  id: string;
  label: string;
}

function levelSelect(value: string, label: string): HTMLSelectElement {
  const select = document.createElement("select");
  select.className = "share-level";
  select.setAttribute("aria-label", label);
  for (const [level, name] of LEVELS) select.append(new Option(name, level, false, level === value));
  return select;
}

function levelName(level: string): string {
  return LEVELS.find(([key]) => key === level)?.[1] ?? level;
}

/** The share dialog of a page or a database: who has access (explicit here, inherited from the pages above, the
 * space and the workspace), inviting a member with a level, and share links. All through /api/v1/permissions and
 * /api/v1/share-tokens, which refuse whoever may not share. */
async function shareDialog(button: HTMLElement) {
  const target: Scope = { model: button.dataset.scopeModel!, id: button.dataset.scopeId!, label: "this page" };
  const workspaceId = button.dataset.workspaceId;
  const parents: Scope[] = [];
  if (target.model === "ipai.workos.page") {
    try {
      const ancestors = await api<{ id: number; title: string }[]>("GET", `/pages/${target.id}/ancestors`);
      for (const ancestor of ancestors.reverse()) parents.push({ model: "ipai.workos.page", id: String(ancestor.id), label: ancestor.title || "Untitled" });
    } catch {
      /* no ancestors to show */
    }
  } else if (button.dataset.parentPageId) {
    parents.push({ model: "ipai.workos.page", id: button.dataset.parentPageId, label: button.dataset.parentPageTitle || "Untitled" });
  }
  if (button.dataset.spaceId) parents.push({ model: "ipai.workos.space", id: button.dataset.spaceId, label: `the space ${button.dataset.spaceName ?? ""}`.trim() });
  if (workspaceId) parents.push({ model: "ipai.workos.workspace", id: workspaceId, label: "the workspace" });
  let members: { user_id: number; username: string; role: string }[] = [];
  try {
    if (workspaceId) members = await api("GET", `/workspaces/${workspaceId}/members`);
  } catch {
    members = [];
  }
  const nameOf = (userId: number | null, groupId: number | null) =>
    userId !== null ? members.find((m) => m.user_id === userId)?.username ?? `user ${userId}` : `group ${groupId}`;

  const { body } = dialog("Share");
  body.classList.add("share");
  const invite = document.createElement("form");
  invite.className = "share-invite";
  const who = document.createElement("select");
  who.setAttribute("aria-label", "Member to invite");
  who.dataset.shareMember = "";
  who.append(new Option("Choose a member…", ""));
  for (const member of members) who.append(new Option(member.username, String(member.user_id)));
  const level = levelSelect("view", "Level for the invited member");
  level.dataset.shareInviteLevel = "";
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.className = "shell-primary";
  submit.textContent = "Invite";
  invite.append(who, level, submit);
  const access = document.createElement("div");
  access.className = "share-access";
  const links = document.createElement("div");
  links.className = "share-links";
  body.append(invite, access, links);

  const drawAccess = async () => {
    const heading = document.createElement("h3");
    heading.textContent = "Who has access";
    const list = document.createElement("ul");
    list.className = "share-list";
    try {
      for (const grant of await api<Grant[]>("GET", `/permissions?scope_model=${encodeURIComponent(target.model)}&scope_id=${target.id}`)) {
        const item = document.createElement("li");
        item.className = "share-entry is-explicit";
        item.dataset.grantId = String(grant.id);
        const name = document.createElement("span");
        name.className = "share-name";
        name.textContent = nameOf(grant.user_id, grant.group_id);
        const select = levelSelect(grant.level, `Level of ${name.textContent}`);
        select.addEventListener("change", async () => {
          try {
            await api("PATCH", `/permissions/${grant.id}`, { level: select.value });
            toast("Access changed");
          } catch (error) {
            toast(message(error, "Could not change the access"));
          }
        });
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "button-quiet";
        remove.textContent = "Remove";
        remove.addEventListener("click", async () => {
          try {
            await api("DELETE", `/permissions/${grant.id}`);
            await drawAccess();
          } catch (error) {
            toast(message(error, "Could not remove the access"));
          }
        });
        item.append(name, select, remove);
        list.append(item);
      }
    } catch (error) {
      const denied = document.createElement("li");
      denied.className = "muted";
      denied.textContent = message(error, "You cannot see who has access here.");
      list.append(denied);
    }
    for (const parent of parents) {
      let grants: Grant[] = [];
      try {
        grants = await api<Grant[]>("GET", `/permissions?scope_model=${encodeURIComponent(parent.model)}&scope_id=${parent.id}`);
      } catch {
        continue; // no share rights there: inherited grants of that level stay out of sight
      }
      for (const grant of grants) {
        const item = document.createElement("li");
        item.className = "share-entry is-inherited";
        const name = document.createElement("span");
        name.className = "share-name";
        name.textContent = nameOf(grant.user_id, grant.group_id);
        const from = document.createElement("span");
        from.className = "muted share-from";
        from.textContent = `${levelName(grant.level)} · from ${parent.label}`;
        item.append(name, from);
        list.append(item);
      }
    }
    if (target.model !== "ipai.workos.workspace" && workspaceId) {
      const everyone = document.createElement("li");
      everyone.className = "share-entry is-inherited";
      everyone.textContent = "Workspace members: by their role in the workspace and the space";
      everyone.classList.add("muted");
      list.append(everyone);
    }
    access.replaceChildren(heading, list);
  };

  const drawLinks = async () => {
    const heading = document.createElement("h3");
    heading.textContent = "Share links";
    const form = document.createElement("form");
    form.className = "share-link-form";
    const linkLevel = document.createElement("select");
    linkLevel.setAttribute("aria-label", "Level of the new link");
    for (const [key, name] of LEVELS.slice(1)) linkLevel.append(new Option(name, key, false, key === "view"));
    const expiry = document.createElement("input");
    expiry.type = "date";
    expiry.setAttribute("aria-label", "Expires on (optional)");
    const create = document.createElement("button");
    create.type = "submit";
    create.className = "button-quiet";
    create.textContent = "Create link";
    form.append(linkLevel, expiry, create);
    const created = document.createElement("div");
    created.className = "share-created";
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const link = await api<{ url: string }>("POST", "/share-tokens", {
          scope_model: target.model, scope_id: target.id, level: linkLevel.value,
          expires_at: expiry.value ? new Date(expiry.value + "T23:59:59").toISOString() : null,
        });
        const url = window.location.origin + link.url;
        await drawLinks();
        const box = links.querySelector<HTMLElement>(".share-created")!;
        const field = document.createElement("input");
        field.readOnly = true;
        field.value = url;
        field.dataset.shareUrl = "";
        const copy = document.createElement("button");
        copy.type = "button";
        copy.className = "button-quiet";
        copy.textContent = "Copy";
        copy.addEventListener("click", async () => {
          try {
            await navigator.clipboard.writeText(url);
            toast("Link copied");
          } catch {
            field.select();
          }
        });
        const note = document.createElement("p");
        note.className = "muted";
        note.textContent = "Copy it now: the link is shown only once.";
        box.replaceChildren(field, copy, note);
      } catch (error) {
        toast(message(error, "Could not create the link"));
      }
    });
    const list = document.createElement("ul");
    list.className = "share-list";
    try {
      for (const link of await api<ShareLink[]>("GET", `/share-tokens?scope_model=${encodeURIComponent(target.model)}&scope_id=${target.id}`)) {
        if (link.revoked_at) continue;
        const item = document.createElement("li");
        item.className = "share-entry";
        item.dataset.shareTokenId = String(link.id);
        const name = document.createElement("span");
        name.className = "share-name";
        name.textContent = `${link.prefix}… · ${levelName(link.level)}${link.expires_at ? ` · until ${when(link.expires_at)}` : ""}`;
        const revoke = document.createElement("button");
        revoke.type = "button";
        revoke.className = "button-quiet button-danger";
        revoke.textContent = "Revoke";
        revoke.addEventListener("click", async () => {
          try {
            await api("DELETE", `/share-tokens/${link.id}`);
            await drawLinks();
          } catch (error) {
            toast(message(error, "Could not revoke the link"));
          }
        });
        item.append(name, revoke);
        list.append(item);
      }
    } catch {
      form.hidden = true;
    }
    links.replaceChildren(heading, form, created, list);
  };

  invite.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!who.value) {
      toast("Choose a member to invite");
      return;
    }
    try {
      await api("POST", "/permissions", { scope_model: target.model, scope_id: target.id, level: level.value, user_id: Number(who.value) });
      who.value = "";
      await drawAccess();
      toast("Invited");
    } catch (error) {
      toast(message(error, "Could not invite this member"));
    }
  });
  await Promise.all([drawAccess(), drawLinks()]);
}

// --- settings ---------------------------------------------------------------------------------------------

interface Token {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

async function drawTokens(section: HTMLElement) {
  const list = section.querySelector<HTMLElement>("[data-token-list]")!;
  list.replaceChildren();
  let tokens: Token[] = [];
  try {
    tokens = await api<Token[]>("GET", "/auth/tokens");
  } catch (error) {
    list.textContent = message(error, "Could not load your tokens");
    return;
  }
  for (const token of tokens) {
    if (token.revoked_at) continue; // a revoked token is history (the audit log keeps it), not something to manage
    const item = document.createElement("li");
    item.className = "share-entry";
    item.dataset.tokenId = String(token.id);
    const name = document.createElement("span");
    name.className = "share-name";
    name.textContent = `${token.name} · ${token.prefix}… · ${token.last_used_at ? "used " + when(token.last_used_at) : "never used"}`;
    const revoke = document.createElement("button");
    revoke.type = "button";
    revoke.className = "button-quiet button-danger";
    revoke.textContent = "Revoke";
    revoke.addEventListener("click", async () => {
      try {
        await api("DELETE", `/auth/tokens/${token.id}`);
        await drawTokens(section);
      } catch (error) {
        toast(message(error, "Could not revoke the token"));
      }
    });
    item.append(name, revoke);
    list.append(item);
  }
}

function mountTokens() {
  const section = document.querySelector<HTMLElement>("[data-settings-tokens]");
  const form = section?.querySelector<HTMLFormElement>("[data-token-form]");
  if (!section || !form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = new FormData(form);
    try {
      // A new token needs the password again (POST /auth/token), as for any other client.
      const created = await api<{ token: string }>("POST", "/auth/token", {
        username: section.dataset.username, password: fields.get("password"), name: fields.get("name"),
      });
      form.reset();
      const box = section.querySelector<HTMLElement>("[data-token-created]")!;
      const field = document.createElement("input");
      field.readOnly = true;
      field.value = created.token;
      field.dataset.newToken = "";
      const note = document.createElement("p");
      note.className = "muted";
      note.textContent = "Copy it now: it is not shown again.";
      box.replaceChildren(field, note);
      await drawTokens(section);
    } catch (error) {
      toast(message(error, "Could not create the token"));
    }
  });
  void drawTokens(section);
}

async function mountWorkspaceSettings() {
  const section = document.querySelector<HTMLElement>("[data-settings-workspace]");
  const tree = embeddedJson<{ workspace: { id: number } | null }>("workos-page-tree-data");
  if (!section || !tree?.workspace) return;
  let workspace: { id: number; name: string; icon: string; role: string | null };
  let members: { user_id: number; username: string; role: string }[];
  try {
    workspace = await api("GET", `/workspaces/${tree.workspace.id}`);
    members = await api("GET", `/workspaces/${tree.workspace.id}/members`);
  } catch {
    return;
  }
  const isAdmin = workspace.role === "admin";
  const form = document.createElement("form");
  form.className = "settings-workspace-form";
  const icon = document.createElement("input");
  icon.className = "settings-workspace-icon";
  icon.value = workspace.icon;
  icon.maxLength = 8;
  icon.placeholder = workspace.name.slice(0, 1).toUpperCase();
  icon.setAttribute("aria-label", "Workspace icon");
  const name = document.createElement("input");
  name.value = workspace.name;
  name.setAttribute("aria-label", "Workspace name");
  name.dataset.workspaceName = "";
  const save = document.createElement("button");
  save.type = "submit";
  save.className = "button-quiet";
  save.textContent = "Save";
  for (const control of [icon, name, save]) control.toggleAttribute("disabled", !isAdmin);
  form.append(icon, name, save);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("PATCH", `/workspaces/${workspace.id}`, { name: name.value, icon: icon.value });
      toast("Workspace saved");
    } catch (error) {
      toast(message(error, "Could not save the workspace"));
    }
  });
  const heading = document.createElement("h3");
  heading.className = "settings-subheading";
  heading.textContent = `Members (${members.length})`;
  const list = document.createElement("ul");
  list.className = "share-list settings-members";
  for (const member of members) {
    const item = document.createElement("li");
    item.className = "share-entry";
    item.dataset.memberId = String(member.user_id);
    const who = document.createElement("span");
    who.className = "share-name";
    who.textContent = member.username;
    const role = document.createElement("select");
    role.setAttribute("aria-label", `Role of ${member.username}`);
    for (const [key, label] of [["admin", "Admin"], ["member", "Member"], ["guest", "Guest"]]) role.append(new Option(label, key, false, key === member.role));
    role.disabled = !isAdmin;
    role.addEventListener("change", async () => {
      try {
        await api("PATCH", `/workspaces/${workspace.id}/members/${member.user_id}`, { role: role.value });
        toast("Role changed");
      } catch (error) {
        role.value = member.role;
        toast(message(error, "Could not change the role"));
      }
    });
    item.append(who, role);
    list.append(item);
  }
  section.append(form, heading, list);
  section.hidden = false;
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

export function mountShell() {
  applyTheme(currentTheme());
  if (stored(COLLAPSED_KEY) === "1") document.body.classList.add("sidebar-collapsed");
  const pageMenuData = embeddedJson<PageMenuData>("workos-page-menu-data");
  if (pageMenuData && !pageMenuData.archived) void api("POST", `/pages/${pageMenuData.id}/visit`, {}).catch(() => undefined);
  offerUndoAfterReload();
  mountTokens();
  void mountWorkspaceSettings();

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
