// The comments panel under a page: its threads (open ones, then a collapsed "Resolved" list), replies,
// resolve / reopen, delete one's own, follow / unfollow, and a new comment — all through /api/v1/comments.
// Text is put in with textContent (mentions as labelled spans), never as HTML. Inline comments anchored in
// the editor and live updates are later work: a thread pinned to a block shows the quoted text here.

import "./collab.css";
import { ApiError, api } from "../lib/api";
import { debounced, onLiveNotice } from "../lib/events";

type Span = { text?: string; mention?: { kind: string; id: number }; href?: string };
interface Person { id: number; name: string }
interface Comment {
  id: number;
  parent_id: number | null;
  block_id: string | null;
  anchor: { text?: string } | null;
  author: Person | null;
  body: { text: Span[] } | null;
  deleted: boolean;
  resolved: boolean;
  resolved_by: Person | null;
  created_at: string;
  edited_at: string | null;
  replies: Comment[];
  not_notified?: Person[];
}

const panel = document.querySelector<HTMLElement>("[data-collab-comments]");

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = "", text = ""): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

function button(label: string, action: string, id: number): HTMLButtonElement {
  const node = el("button", "collab-link", label);
  node.type = "button";
  node.dataset.action = action;
  node.dataset.id = String(id);
  return node;
}

function bodyNode(comment: Comment): HTMLElement {
  const body = el("div", "collab-body");
  if (comment.deleted || !comment.body) {
    body.append(el("em", "muted", "comment deleted"));
    return body;
  }
  for (const span of comment.body.text) {
    if (span.mention) {
      const mention = el("span", "mention", (span.mention.kind === "user" ? "@" : "") + (span.text ?? "").replace(/^@/, ""));
      mention.dataset.mentionKind = span.mention.kind;
      mention.dataset.mentionId = String(span.mention.id);
      body.append(mention);
    } else {
      body.append(document.createTextNode(span.text ?? ""));
    }
  }
  return body;
}

function commentNode(comment: Comment, me: number, canComment: boolean, thread: Comment): HTMLElement {
  const item = el("li", "collab-comment");
  item.id = `comment-${comment.id}`;
  const head = el("div", "collab-meta");
  head.append(el("strong", "", comment.author ? comment.author.name : "—"));
  const when = el("time", "muted", new Date(comment.created_at).toLocaleString());
  when.dateTime = comment.created_at;
  head.append(" ", when);
  if (comment.edited_at) head.append(el("span", "muted", " (edited)"));
  item.append(head);
  if (comment.anchor?.text && comment.parent_id === null) item.append(el("blockquote", "collab-anchor", comment.anchor.text));
  item.append(bodyNode(comment));
  const actions = el("div", "collab-comment-actions");
  if (comment.author && comment.author.id === me && !comment.deleted) actions.append(button("Delete", "delete", comment.id));
  if (canComment && comment === thread) actions.append(button(thread.resolved ? "Reopen" : "Resolve", thread.resolved ? "reopen" : "resolve", thread.id));
  if (actions.childElementCount) item.append(actions);
  return item;
}

function threadNode(thread: Comment, me: number, canComment: boolean): HTMLElement {
  const item = el("li", "collab-thread");
  const list = el("ol", "collab-thread-comments");
  list.append(commentNode(thread, me, canComment, thread));
  for (const reply of thread.replies) list.append(commentNode(reply, me, canComment, thread));
  item.append(list);
  if (canComment) {
    const form = el("form", "collab-reply");
    form.dataset.parentId = String(thread.id);
    const input = el("textarea");
    input.name = "text";
    input.rows = 1;
    input.maxLength = 20000;
    input.placeholder = "Reply…";
    input.setAttribute("aria-label", "Reply");
    const send = el("button", "", "Reply");
    send.type = "submit";
    form.append(input, send);
    item.append(form);
  }
  return item;
}

async function start(root: HTMLElement): Promise<void> {
  const pageId = Number(root.dataset.pageId);
  const me = Number(root.dataset.me);
  const canComment = root.dataset.canComment === "true";
  const status = root.querySelector<HTMLElement>("[data-collab-status]")!;
  const open = root.querySelector<HTMLElement>("[data-collab-threads]")!;
  const resolved = root.querySelector<HTMLElement>("[data-collab-resolved]")!;
  const resolvedBox = root.querySelector<HTMLDetailsElement>("[data-collab-resolved-box]")!;
  const follow = root.querySelector<HTMLButtonElement>("[data-collab-follow]");

  const say = (text: string) => { status.textContent = text; };

  async function load(): Promise<void> {
    const threads: Comment[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/comments?page_id=${pageId}&limit=200` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : "");
      const page: { items: Comment[]; next_cursor: string | null } = await api("GET", query);
      threads.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    open.replaceChildren(...threads.filter((t) => !t.resolved).map((t) => threadNode(t, me, canComment)));
    resolved.replaceChildren(...threads.filter((t) => t.resolved).map((t) => threadNode(t, me, canComment)));
    resolvedBox.hidden = resolved.childElementCount === 0;
    say(threads.length ? "" : "No comments yet.");
    if (location.hash.startsWith("#comment-")) {
      const target = document.getElementById(location.hash.slice(1));
      if (target) {
        if (resolvedBox.contains(target)) resolvedBox.open = true;
        target.classList.add("collab-highlight");
        target.scrollIntoView({ block: "center" });
      }
    }
  }

  function reportWrite(written: Comment): void {
    const missed = written.not_notified ?? [];
    say(missed.length ? `${missed.map((p) => p.name).join(", ")} ${missed.length === 1 ? "has" : "have"} no access to this page and ${missed.length === 1 ? "was" : "were"} not notified.` : "");
  }

  async function run(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      say(error instanceof ApiError ? error.message : "Something went wrong; try again.");
    }
  }

  root.addEventListener("submit", (event) => {
    const form = event.target as HTMLFormElement;
    if (!form.matches("[data-collab-new], .collab-reply")) return;
    event.preventDefault();
    const input = form.querySelector("textarea")!;
    const text = input.value;
    if (!text.trim()) return;
    const parentId = form.dataset.parentId ? Number(form.dataset.parentId) : null;
    void run(async () => {
      const written: Comment = await api("POST", "/comments", { page_id: pageId, parent_id: parentId, body: { text: [{ text }] } });
      input.value = "";
      await load();
      reportWrite(written);
    });
  });

  root.addEventListener("click", (event) => {
    const target = (event.target as HTMLElement).closest<HTMLButtonElement>("button[data-action]");
    if (!target) return;
    const id = Number(target.dataset.id);
    const action = target.dataset.action;
    void run(async () => {
      if (action === "delete") await api("DELETE", `/comments/${id}`);
      else if (action === "resolve" || action === "reopen") await api("POST", `/comments/${id}/${action}`);
      await load();
    });
  });

  follow?.addEventListener("click", () => {
    const following = follow.dataset.following === "true";
    void run(async () => {
      if (following) await api("DELETE", `/follows/${pageId}`);
      else await api("POST", "/follows", { page_id: pageId });
      follow.dataset.following = following ? "false" : "true";
      follow.textContent = following ? "Follow" : "Unfollow";
    });
  });

  await run(load);
  // Someone else commented, replied, resolved or deleted on this page: the threads again.
  const refresh = debounced(() => void run(load), 300);
  onLiveNotice((notice) => {
    if (notice.kind === "hello" || (notice.kind === "comments" && notice.page_id === pageId)) refresh();
  });
}

if (panel) void start(panel);

/** The inbox page follows new notices: its list is fetched again (the server renders it, as on a reload). */
const inbox = document.querySelector<HTMLElement>("[data-collab-inbox]");
if (inbox) {
  const refresh: () => void = debounced(async () => {
    if (inbox.contains(document.activeElement)) {
      window.setTimeout(refresh, 2000); // not under the user's hands: once they are done
      return;
    }
    try {
      const response = await fetch(location.href, { credentials: "same-origin" });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html").querySelector("[data-collab-inbox]");
      if (fresh) inbox.replaceChildren(...Array.from(fresh.childNodes));
    } catch {
      /* offline: the next notice or reconnect tries again */
    }
  }, 300);
  onLiveNotice((notice) => {
    if (notice.kind === "notification" || notice.kind === "hello") refresh();
  });
}

/** The settings page's e-mail choice: saved as soon as it changes. */
const preference = document.querySelector<HTMLElement>("[data-email-preference]");
preference?.addEventListener("change", async (event) => {
  const input = event.target as HTMLInputElement;
  if (input.name !== "email_mode") return;
  const status = preference.querySelector<HTMLElement>("[data-email-status]") ?? preference.appendChild(Object.assign(document.createElement("p"), { className: "muted" }));
  status.dataset.emailStatus = "";
  try {
    const answer = await api<{ mode: string }>("PUT", "/notifications/email-preference", { mode: input.value });
    status.textContent = `Saved: ${input.parentElement?.textContent?.trim() ?? answer.mode}`;
  } catch (error) {
    status.textContent = error instanceof ApiError ? error.message : "Could not save: check your connection.";
  }
});
