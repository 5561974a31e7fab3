// Importing a Notion export (Markdown & CSV or HTML) or Markdown: from the page menu ("Import into this page…")
// and from Settings → Import. Both post the file to /spaces/{id}/import and show the same report.

import { api } from "../lib/api";
import { dialog, message } from "./ui";

export interface ImportReport {
  format: string;
  pages: number;
  blocks: number;
  databases: number;
  rows: number;
  attachments: number;
  items: { id: number; title: string; parent_id: number | null; row: boolean }[];
  database_items: { id: number; title: string; rows: number; properties: Record<string, string> }[];
  skipped: { path: string; reason: string }[];
  skipped_count: number;
}

export const IMPORT_ACCEPT = ".zip,.md,.markdown,.html,application/zip,text/markdown,text/html";

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** What an import made and what it left out, for a person to read. */
export function importReport(result: ImportReport): HTMLElement {
  const box = document.createElement("div");
  box.className = "import-report";
  box.dataset.importDone = "";
  const summary = document.createElement("p");
  summary.className = "import-report-summary";
  summary.textContent = `Imported (${result.format === "html" ? "HTML" : "Markdown"}): ${plural(result.pages, "page")}, ${plural(result.blocks, "block")}, `
    + `${plural(result.databases, "database")}, ${plural(result.rows, "row")}, ${plural(result.attachments, "attachment")}.`;
  box.append(summary);
  const first = result.items.find((item) => !item.row);
  if (first) {
    const open = document.createElement("a");
    open.href = `/web/pages/${first.id}`;
    open.textContent = `Open ${first.title || "Untitled"}`;
    box.append(open);
  }
  if (result.database_items.length) {
    const list = document.createElement("ul");
    list.className = "import-report-databases";
    for (const database of result.database_items) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `/web/databases/${database.id}`;
      link.textContent = database.title || "Untitled database";
      item.append(link, ` — ${plural(database.rows, "row")}; ` + Object.entries(database.properties).map(([name, kind]) => `${name} (${kind.replace("_", " ")})`).join(", "));
      list.append(item);
    }
    box.append(list);
  }
  if (result.skipped_count) {
    const details = document.createElement("details");
    details.className = "import-report-skipped";
    const title = document.createElement("summary");
    title.textContent = `Skipped: ${result.skipped_count}`;
    const list = document.createElement("ul");
    for (const entry of result.skipped) {
      const item = document.createElement("li");
      item.textContent = `${entry.path}: ${entry.reason}`;
      list.append(item);
    }
    details.append(title, list);
    box.append(details);
  }
  return box;
}

/** Post ``file`` into a space (under ``parentId`` if given), showing a progress bar, then the report or the error in ``target``. */
export async function runImport(target: HTMLElement, file: File, spaceId: number, parentId?: number): Promise<ImportReport | null> {
  const progress = document.createElement("progress");
  progress.className = "import-progress";
  progress.setAttribute("aria-label", `Importing ${file.name}`);
  const label = document.createElement("p");
  label.className = "muted";
  label.textContent = `Importing ${file.name}…`;
  target.replaceChildren(label, progress);
  const form = new FormData();
  form.append("file", file);
  try {
    const query = parentId ? `?parent_id=${parentId}` : "";
    const result = await api<ImportReport>("POST", `/spaces/${spaceId}/import${query}`, form);
    target.replaceChildren(importReport(result));
    return result;
  } catch (error) {
    const failure = document.createElement("p");
    failure.className = "import-report-error";
    failure.setAttribute("role", "alert");
    failure.textContent = `${file.name}: ${message(error, "could not import the file")}. Nothing was imported.`;
    target.replaceChildren(failure);
    return null;
  }
}

/** "Import into this page…": pick a file, then a dialog with the progress and the report. */
export function importIntoPage(spaceId: number, pageId: number) {
  const input = document.createElement("input");
  input.type = "file";
  input.accept = IMPORT_ACCEPT;
  input.hidden = true;
  input.dataset.importInto = String(pageId);
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    input.remove();
    if (!file) return;
    const { body } = dialog("Import");
    void runImport(body, file, spaceId, pageId);
  });
  document.body.append(input);
  input.click();
}

/** Settings → Import. */
export function mountImportSettings() {
  const form = document.querySelector<HTMLFormElement>("[data-import-form]");
  const report = document.querySelector<HTMLElement>("[data-import-report]");
  if (!form || !report) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = form.querySelector<HTMLInputElement>("input[type=file]")?.files?.[0];
    const space = Number(form.querySelector<HTMLSelectElement>("select[name=space_id]")?.value);
    if (!file || !space) return;
    const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
    if (button) button.disabled = true;
    void runImport(report, file, space).finally(() => {
      if (button) button.disabled = false;
    });
  });
}
