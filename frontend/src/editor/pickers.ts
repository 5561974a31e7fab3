// Small popovers: the emoji picker (page icon, callout icon) and the cover picker. Each one is keyboard usable:
// arrows move inside a grid, Enter picks, Escape closes and gives focus back to what opened it.

export const EMOJI = [
  "📄", "📝", "📌", "📎", "📚", "📖", "🗂️", "📁", "📊", "📈", "🗓️", "⏰", "✅", "☑️", "❗", "❓",
  "💡", "🔥", "⭐", "✨", "🎯", "🚀", "🛠️", "⚙️", "🔒", "🔑", "🧪", "🧭", "🗺️", "🏠", "🏢", "🌍",
  "💬", "📣", "📮", "✉️", "📞", "🤝", "👋", "👀", "🙂", "😀", "😎", "🤔", "🎉", "🎨", "🎵", "📷",
  "💰", "🧾", "🛒", "📦", "🚚", "✈️", "🍀", "🌱", "🌸", "☀️", "🌙", "⚡", "❤️", "💙", "💚", "💜",
];

// Colour and gradient covers are small SVG files served by the blocks module, so that every cover is a URL
// (the pages API stores a cover as an http(s) address or a path on this site).
const COVER_BASE = "/web/static/ipai_workos_blocks/covers/";
export const COVERS = [
  "sunrise", "sky", "meadow", "lavender", "dusk", "peach",
  "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red",
].map((name) => ({ name, url: COVER_BASE + name + ".svg" }));

let openClose: (() => void) | null = null;

export interface PopoverOptions {
  label: string;
  returnFocus?: HTMLElement | null;
  onClose?: () => void;
}

/** Show `content` in a popover under `anchor`; returns a function that closes it. Only one is open at a time. */
export function openPopover(anchor: HTMLElement, content: HTMLElement, options: PopoverOptions): () => void {
  openClose?.();
  const popover = document.createElement("div");
  popover.className = "popover";
  popover.setAttribute("role", "dialog");
  popover.setAttribute("aria-label", options.label);
  popover.append(content);
  document.body.append(popover);
  const rect = anchor.getBoundingClientRect();
  const top = rect.bottom + window.scrollY + 6;
  let left = rect.left + window.scrollX;
  const width = popover.offsetWidth;
  if (left + width > window.scrollX + document.documentElement.clientWidth - 8) {
    left = Math.max(8, window.scrollX + document.documentElement.clientWidth - width - 8);
  }
  popover.style.top = top + "px";
  popover.style.left = left + "px";

  const returnFocus = options.returnFocus === undefined ? anchor : options.returnFocus;
  const onKey = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  };
  const onPointer = (event: MouseEvent) => {
    if (!popover.contains(event.target as Node) && !anchor.contains(event.target as Node)) close(false);
  };
  let closed = false;
  function close(restoreFocus = true) {
    if (closed) return;
    closed = true;
    popover.remove();
    document.removeEventListener("keydown", onKey, true);
    document.removeEventListener("mousedown", onPointer, true);
    if (openClose === close) openClose = null;
    if (restoreFocus) returnFocus?.focus();
    options.onClose?.();
  }
  document.addEventListener("keydown", onKey, true);
  document.addEventListener("mousedown", onPointer, true);
  openClose = close;
  const first = popover.querySelector<HTMLElement>("input, button, [tabindex]");
  first?.focus();
  return close;
}

/** Arrow keys move between the buttons of a grid with `columns` columns (roving focus). */
function gridNavigation(grid: HTMLElement, columns: number) {
  grid.addEventListener("keydown", (event) => {
    const buttons = [...grid.querySelectorAll<HTMLButtonElement>("button")];
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (index < 0) return;
    const moves: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns };
    const move = moves[event.key];
    if (move === undefined) return;
    event.preventDefault();
    const next = buttons[Math.min(buttons.length - 1, Math.max(0, index + move))];
    next.focus();
  });
}

export function openEmojiPicker(anchor: HTMLElement, options: { onPick: (emoji: string) => void; allowRemove?: boolean }) {
  const box = document.createElement("div");
  box.className = "emoji-picker";
  const grid = document.createElement("div");
  grid.className = "emoji-grid";
  grid.setAttribute("role", "grid");
  let close = () => {};
  for (const emoji of EMOJI) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "emoji";
    button.textContent = emoji;
    button.setAttribute("aria-label", emoji);
    button.addEventListener("click", () => {
      close();
      options.onPick(emoji);
    });
    grid.append(button);
  }
  gridNavigation(grid, 8);
  box.append(grid);
  if (options.allowRemove !== false) {
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "button subtle";
    remove.textContent = "Remove";
    remove.addEventListener("click", () => {
      close();
      options.onPick("");
    });
    box.append(remove);
  }
  close = openPopover(anchor, box, { label: "Choose an icon" });
}

/** A cover is one of ours or an image link; "" removes it. */
export function openCoverPicker(anchor: HTMLElement, options: { onPick: (cover: string) => void }) {
  const box = document.createElement("div");
  box.className = "cover-picker";
  const grid = document.createElement("div");
  grid.className = "cover-grid";
  let close = () => {};
  for (const cover of COVERS) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "cover-swatch";
    paintCover(button, cover.url);
    button.setAttribute("aria-label", "Cover " + cover.name);
    button.addEventListener("click", () => {
      close();
      options.onPick(cover.url);
    });
    grid.append(button);
  }
  gridNavigation(grid, 5);
  const form = document.createElement("form");
  form.noValidate = true; // our own checks, with our own messages (a link without https:// is fine)
  form.className = "cover-url";
  const input = document.createElement("input");
  input.type = "url";
  input.placeholder = "Image link (https://…)";
  input.setAttribute("aria-label", "Cover image link");
  const apply = document.createElement("button");
  apply.type = "submit";
  apply.className = "button";
  apply.textContent = "Use link";
  const error = document.createElement("div");
  error.className = "media-error";
  error.setAttribute("role", "alert");
  form.append(input, apply);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!/^https?:\/\/\S+$/i.test(value) && !/^\/\S+$/.test(value)) {
      error.textContent = "Enter a link that starts with https://";
      return;
    }
    close();
    options.onPick(value);
  });
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "button subtle";
  remove.textContent = "Remove cover";
  remove.addEventListener("click", () => {
    close();
    options.onPick("");
  });
  box.append(grid, form, error, remove);
  close = openPopover(anchor, box, { label: "Choose a cover" });
}

/** Paint a cover onto an element: only an http(s) address or a path on this site, quoted for CSS. */
export function paintCover(element: HTMLElement, cover: string) {
  element.style.backgroundImage = "";
  if (cover && /^(https?:\/\/|\/(?!\/))[^\s"'()\\]+$/i.test(cover)) element.style.backgroundImage = `url("${cover}")`;
}
