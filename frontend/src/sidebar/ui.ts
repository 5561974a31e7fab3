// What the shell's parts share: remembered choices, toasts, menus and dialogs.

import { ApiError } from "../lib/api";

export function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function store(key: string, value: string) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* storage off: the choice lasts for this page only */
  }
}

export function message(error: unknown, fallback: string): string {
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

// --- dialogs and menus -------------------------------------------------------------------------------------

export function closePopups() {
  for (const element of document.querySelectorAll(".shell-menu, .shell-dialog-backdrop")) element.remove();
}

export function openMenu(anchor: HTMLElement, items: { label: string; icon: string; run: () => void; danger?: boolean }[]) {
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

export function dialog(title: string): { backdrop: HTMLElement; body: HTMLElement } {
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

export function confirmDialog(title: string, text: string, confirmLabel: string): Promise<boolean> {
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

/** A moment as people read it: "4 Dec 2026, 21:40". */
export function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A titled list of the settings and the share dialog: the heading, and the list to fill with ``entry`` items. */
export function listSection(title: string, listClass: string, level: "h3" = "h3"): { heading: HTMLElement; list: HTMLUListElement } {
  const heading = document.createElement(level);
  heading.className = "settings-subheading";
  heading.textContent = title;
  const list = document.createElement("ul");
  list.className = `share-list ${listClass}`;
  return { heading, list };
}

/** One line of such a list: ``name`` first, then the controls. */
export function entry(name: string, data: Record<string, string | number>, className = "share-entry"): HTMLLIElement {
  const item = document.createElement("li");
  item.className = className;
  for (const [key, value] of Object.entries(data)) item.dataset[key] = String(value);
  const label = document.createElement("span");
  label.className = "share-name";
  label.textContent = name;
  item.append(label);
  return item;
}

/** A select whose choice is saved at once by ``save``; a refused choice goes back to what it was. */
export function savingSelect(label: string, choices: [string, string][], value: string, save: (value: string) => Promise<unknown>,
  saved: string, failed: string, disabled = false): HTMLSelectElement {
  const select = document.createElement("select");
  select.setAttribute("aria-label", label);
  for (const [key, name] of choices) select.append(new Option(name, key, false, key === value));
  select.disabled = disabled;
  let current = value;
  select.addEventListener("change", async () => {
    try {
      await save(select.value);
      current = select.value;
      toast(saved);
    } catch (error) {
      select.value = current;
      toast(message(error, failed));
    }
  });
  return select;
}
