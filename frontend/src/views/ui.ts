// Small DOM helpers for the database views: elements built with textContent only (user content is never
// parsed as HTML), one floating popover at a time, a status line and a toast.

import { ApiError } from "../lib/api";

type Child = Node | string | null | undefined | false;

/** What to tell the user when a request failed. */
export function failure(error: unknown): string {
  if (error instanceof ApiError) return error.message || `The server refused (${error.status}).`;
  return "The server cannot be reached. Check your connection and try again.";
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | null | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = String(value);
    else if (name === "text") element.textContent = String(value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

export function button(label: string, onClick: (event: MouseEvent) => void, attrs: Record<string, string | boolean | undefined> = {}): HTMLButtonElement {
  const element = h("button", { type: "button", ...attrs }, label);
  element.addEventListener("click", (event) => {
    event.preventDefault();
    onClick(event);
  });
  return element;
}

export function select(options: { value: string; label: string }[], value: string, onChange: (value: string) => void, label: string): HTMLSelectElement {
  const element = h("select", { "aria-label": label });
  for (const option of options) element.append(h("option", { value: option.value }, option.label));
  element.value = value;
  element.addEventListener("change", () => onChange(element.value));
  return element;
}

let current: { element: HTMLElement; close: () => void } | null = null;

export interface PopoverOptions {
  className?: string;
  label?: string;
  onClose?: () => void;
  cover?: boolean; // place over the anchor (a cell editor) rather than below it
  minWidth?: number;
}

/** Open a popover beside ``anchor``; the previous one closes. Returns the popover's body and a close function. */
export function popover(anchor: Element, options: PopoverOptions = {}): { body: HTMLElement; close: () => void } {
  closePopover();
  const element = h("div", { class: "dbv-popover " + (options.className ?? ""), role: "dialog", "aria-label": options.label ?? "" });
  document.body.append(element);
  const place = () => {
    const box = anchor.getBoundingClientRect();
    const width = Math.max(options.minWidth ?? 0, options.cover ? box.width : 0);
    if (width) element.style.minWidth = width + "px";
    const top = options.cover ? box.top : box.bottom + 4;
    element.style.top = Math.max(8, Math.min(top, window.innerHeight - element.offsetHeight - 8)) + window.scrollY + "px";
    element.style.left = Math.max(8, Math.min(box.left, window.innerWidth - element.offsetWidth - 8)) + window.scrollX + "px";
  };
  const onDown = (event: MouseEvent) => {
    if (!element.contains(event.target as Node) && !anchor.contains(event.target as Node)) close();
  };
  const onKey = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      close();
      if (anchor instanceof HTMLElement) anchor.focus?.();
    }
  };
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    document.removeEventListener("mousedown", onDown, true);
    document.removeEventListener("keydown", onKey, true);
    observer?.disconnect();
    element.remove();
    if (current?.element === element) current = null;
    options.onClose?.();
  };
  // Builders grow as rules are added: keep the popover inside the window.
  const observer = typeof ResizeObserver === "function" ? new ResizeObserver(() => place()) : null;
  observer?.observe(element);
  document.addEventListener("mousedown", onDown, true);
  document.addEventListener("keydown", onKey, true);
  current = { element, close };
  requestAnimationFrame(place);
  place();
  return { body: element, close };
}

export function closePopover(): void {
  current?.close();
}

export function popoverOpen(): boolean {
  return current !== null;
}

let toastTimer = 0;

/** A message at the bottom of the window; with an action (Undo ...) it stays a little longer and offers a button. */
export function toast(message: string, kind: "error" | "info" = "error", action?: { label: string; run: () => void }): void {
  let element = document.querySelector<HTMLElement>(".dbv-toast");
  if (!element) {
    element = h("div", { class: "dbv-toast", role: "alert" });
    document.body.append(element);
  }
  element.textContent = message;
  element.dataset.kind = kind;
  if (action) {
    element.append(" ", button(action.label, () => {
      element?.remove();
      action.run();
    }, { class: "dbv-toast-action" }));
  }
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => element?.remove(), action ? 8000 : 6000);
}

export function status(text: string, state = ""): void {
  const element = document.querySelector<HTMLElement>("[data-db-status]");
  if (!element) return;
  element.textContent = text;
  element.dataset.state = state;
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, wait: number): (...args: A) => void {
  let timer = 0;
  return (...args: A) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => fn(...args), wait);
  };
}
