// The floating list used by the slash menu and the @-mention picker: positioned at the cursor, driven by the
// keyboard (Up/Down/Enter/Tab/Escape) through the suggestion plugin, or by the mouse.

export interface MenuItem {
  key: string;
  title: string;
  hint?: string;
  icon?: string;
  group?: string;
}

export class FloatingMenu<T extends MenuItem> {
  element: HTMLElement;
  private items: T[] = [];
  private active = 0;
  private onChoose: (item: T) => void = () => {};

  constructor(label: string, private emptyText = "No results") {
    this.element = document.createElement("div");
    this.element.className = "slash-menu";
    this.element.setAttribute("role", "listbox");
    this.element.setAttribute("aria-label", label);
    this.element.addEventListener("mousedown", (event) => event.preventDefault());
  }

  show(items: T[], rect: DOMRect | null, onChoose: (item: T) => void) {
    this.onChoose = onChoose;
    if (!this.element.isConnected) document.body.append(this.element);
    this.update(items, rect);
  }

  update(items: T[], rect: DOMRect | null) {
    this.items = items;
    this.active = 0;
    this.render();
    if (rect) this.place(rect);
  }

  hide() {
    this.element.remove();
  }

  get visible() {
    return this.element.isConnected;
  }

  /** Returns true when the key was handled. */
  onKeyDown(event: KeyboardEvent): boolean {
    if (!this.visible) return false;
    if (event.key === "ArrowDown" || (event.key === "n" && event.ctrlKey)) {
      this.move(1);
      return true;
    }
    if (event.key === "ArrowUp" || (event.key === "p" && event.ctrlKey)) {
      this.move(-1);
      return true;
    }
    if (event.key === "Enter" || event.key === "Tab") {
      const item = this.items[this.active];
      if (!item) return false;
      this.onChoose(item);
      return true;
    }
    return false;
  }

  private move(step: number) {
    if (!this.items.length) return;
    this.active = (this.active + step + this.items.length) % this.items.length;
    this.render();
  }

  private place(rect: DOMRect) {
    const height = this.element.offsetHeight;
    const spaceBelow = window.innerHeight - rect.bottom;
    const top = spaceBelow < height + 12 && rect.top > height + 12 ? rect.top - height - 6 : rect.bottom + 6;
    this.element.style.top = top + window.scrollY + "px";
    this.element.style.left = Math.min(rect.left, window.innerWidth - this.element.offsetWidth - 8) + window.scrollX + "px";
  }

  private render() {
    this.element.replaceChildren();
    if (!this.items.length) {
      const empty = document.createElement("div");
      empty.className = "slash-empty";
      empty.textContent = this.emptyText;
      this.element.append(empty);
      return;
    }
    let group = "";
    this.items.forEach((item, index) => {
      if (item.group && item.group !== group) {
        group = item.group;
        const heading = document.createElement("div");
        heading.className = "slash-group";
        heading.textContent = group;
        this.element.append(heading);
      }
      const row = document.createElement("div");
      row.className = "slash-item" + (index === this.active ? " is-active" : "");
      row.setAttribute("role", "option");
      row.setAttribute("aria-selected", index === this.active ? "true" : "false");
      row.dataset.key = item.key;
      const icon = document.createElement("span");
      icon.className = "slash-icon";
      icon.textContent = item.icon ?? "";
      const text = document.createElement("span");
      text.className = "slash-text";
      const title = document.createElement("span");
      title.className = "slash-title";
      title.textContent = item.title;
      text.append(title);
      if (item.hint) {
        const hint = document.createElement("span");
        hint.className = "slash-hint";
        hint.textContent = item.hint;
        text.append(hint);
      }
      row.append(icon, text);
      row.addEventListener("click", () => this.onChoose(item));
      row.addEventListener("mousemove", () => {
        if (this.active !== index) {
          this.active = index;
          this.render();
        }
      });
      this.element.append(row);
      if (index === this.active) requestAnimationFrame(() => row.scrollIntoView({ block: "nearest" }));
    });
  }
}
