// "This page changed elsewhere": the choice the editor offers when a save was refused because the page had
// changed since the version it was based on (or when a local copy from an earlier visit is older than the
// page). Nothing is overwritten silently; the unsaved text stays in the local copy until the user chooses.

export interface ConflictChoices {
  /** The unsaved text is a local copy from an earlier visit (not what the editor shows). */
  earlier: boolean;
  text: () => string;
  reload: () => void;
  keepMine: () => void;
}

function button(label: string, action: string): HTMLButtonElement {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = label;
  element.dataset.conflictAction = action;
  return element;
}

/** Show the choice above the editor; answers the panel (removed by the caller once the conflict is over). */
export function showConflict(root: HTMLElement, host: HTMLElement, choices: ConflictChoices): HTMLElement {
  const panel = document.createElement("section");
  panel.className = "conflict-panel";
  panel.setAttribute("role", "alertdialog");
  panel.setAttribute("aria-labelledby", "workos-conflict-title");
  panel.setAttribute("aria-describedby", "workos-conflict-text");
  panel.dataset.conflict = "";

  const title = document.createElement("h2");
  title.id = "workos-conflict-title";
  title.textContent = "This page changed elsewhere";
  const text = document.createElement("p");
  text.id = "workos-conflict-text";
  text.textContent = choices.earlier
    ? "Changes you made on this device earlier were not saved, and someone has changed the page since. " +
      "Your text is kept on this device until you choose."
    : "Someone — or you, in another tab — saved this page after you opened it, so your latest changes were not saved. " +
      "Your text is kept on this device until you choose.";

  const reload = button("Reload (discard mine)", "reload");
  const keep = button("Keep mine", "keep");
  const copy = button("Copy my text", "copy");
  keep.title = "Save your version over the other changes (page history keeps them)";
  const actions = document.createElement("div");
  actions.className = "conflict-actions";
  actions.append(reload, keep, copy);

  const copied = document.createElement("textarea");
  copied.className = "conflict-text";
  copied.readOnly = true;
  copied.hidden = true;
  copied.setAttribute("aria-label", "Your text");

  reload.addEventListener("click", () => choices.reload());
  keep.addEventListener("click", () => {
    keep.disabled = true;
    choices.keepMine();
  });
  copy.addEventListener("click", () => {
    const value = choices.text();
    copied.value = value;
    copied.hidden = false;
    copied.focus();
    copied.select();
    // The clipboard may be refused (permissions, insecure origin): the selected text is there to copy by hand.
    navigator.clipboard?.writeText(value).then(
      () => (copy.textContent = "Copied"),
      () => (copy.textContent = "Copy my text (select and copy below)"),
    );
  });

  panel.append(title, text, actions, copied);
  root.insertBefore(panel, host.closest(".editor-host") ?? host);
  keep.focus();
  return panel;
}
