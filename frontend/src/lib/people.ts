// People to @mention on a page (GET /mentions/people): workspace members, each with whether they may read the
// page. Choosing someone who may not asks first: "<name> has no access to this page — Share" (a read grant
// through POST /permissions, audited) or "Mention anyway" (they are not notified; their mention shows
// "No access"). Used by the editor's @-menu and the comment boxes.

import "./people.css";
import { ApiError, api } from "./api";

export interface Person {
  id: number;
  username: string;
  name: string;
  can_read: boolean;
}

export interface People {
  items: Person[];
  can_share: boolean;
}

export function findPeople(pageId: number, query: string, signal?: AbortSignal): Promise<People> {
  return api<People>("GET", `/mentions/people?page_id=${pageId}&q=${encodeURIComponent(query.trim())}`, undefined, { signal });
}

// Access of people already mentioned on the page, asked for in one request per tick.
const access = new Map<string, Promise<boolean>>();
let wanted: Map<string, (readable: boolean) => void> | null = null;

export function canRead(pageId: number, userId: number): Promise<boolean> {
  const key = `${pageId}:${userId}`;
  if (!access.has(key)) {
    access.set(key, new Promise<boolean>((resolve) => {
      if (wanted === null) {
        wanted = new Map();
        queueMicrotask(() => {
          const batch = [...wanted!];
          wanted = null;
          for (let start = 0; start < batch.length; start += 20) {
            const part = batch.slice(start, start + 20);
            const byPage = part[0][0].split(":")[0];
            const ids = part.filter(([k]) => k.startsWith(byPage + ":")).map(([k]) => k.split(":")[1]);
            api<People>("GET", `/mentions/people?page_id=${byPage}&ids=${ids.join(",")}`)
              .then((people) => part.forEach(([k, done]) => done(people.items.find((p) => `${byPage}:${p.id}` === k)?.can_read ?? true)))
              .catch(() => part.forEach(([, done]) => done(true)));
          }
        });
      }
      wanted.set(key, resolve);
    }));
  }
  return access.get(key)!;
}

export function forgetAccess(pageId: number, userId: number): void {
  access.delete(`${pageId}:${userId}`);
}

/** Ask what to do about mentioning someone who cannot read the page. Resolves true to mention them (after
 * sharing, or anyway), false to leave them out. */
export function confirmMention(person: Person, pageId: number, canShare: boolean, near: DOMRect | null): Promise<boolean> {
  document.querySelector(".mention-access-prompt")?.remove();
  return new Promise((resolve) => {
    const box = document.createElement("div");
    box.className = "mention-access-prompt";
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-label", "No access");
    const text = document.createElement("p");
    text.textContent = `${person.name} has no access to this page`;
    const status = document.createElement("p");
    status.className = "muted";
    status.setAttribute("role", "status");
    const actions = document.createElement("div");
    actions.className = "mention-access-actions";
    const make = (label: string, name: string) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      button.dataset.mentionAccess = name;
      actions.append(button);
      return button;
    };
    const share = canShare ? make("Share", "share") : null;
    const anyway = make("Mention anyway", "anyway");
    const cancel = make("Cancel", "cancel");
    if (!canShare) status.textContent = "You cannot share this page: they will not be notified.";
    box.append(text, actions, status);
    const done = (answer: boolean) => {
      box.remove();
      document.removeEventListener("keydown", onKey, true);
      resolve(answer);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        event.preventDefault();
        done(false);
      }
    };
    document.addEventListener("keydown", onKey, true);
    share?.addEventListener("click", async () => {
      share.disabled = true;
      try {
        await api("POST", "/permissions", { scope_model: "ipai.workos.page", scope_id: String(pageId), level: "view", user_id: person.id });
        forgetAccess(pageId, person.id);
        done(true);
      } catch (error) {
        share.disabled = false;
        status.textContent = error instanceof ApiError ? error.message : "Could not share the page; try again.";
      }
    });
    anyway.addEventListener("click", () => done(true));
    cancel.addEventListener("click", () => done(false));
    box.addEventListener("mousedown", (event) => event.preventDefault());
    document.body.append(box);
    const rect = near ?? new DOMRect(window.innerWidth / 2 - 150, window.innerHeight / 3, 0, 0);
    box.style.left = Math.max(8, Math.min(rect.left, window.innerWidth - box.offsetWidth - 8)) + window.scrollX + "px";
    box.style.top = rect.bottom + 8 + window.scrollY + "px";
    (share ?? anyway).focus();
  });
}
