// The comments panel under a page: its threads (open ones, then a collapsed "Resolved" list), replies,
// resolve / reopen, delete one's own, follow / unfollow, and a new comment — all through /api/v1/comments.
// Text is put in with textContent (mentions as labelled spans), never as HTML. Inline threads (anchored to
// text in the editor, see src/editor/comments.ts) show their quoted text here, and open in a side panel when
// their highlighted text is clicked or a new one is started from a selection; a thread whose text was
// deleted stays listed as orphaned. @ in a comment box offers the workspace's people (with the same
// "has no access — Share / Mention anyway" question as the editor). Live updates are later work.

import "./collab.css";
import { ApiError, api } from "../lib/api";
import { debounced, onLiveNotice } from "../lib/events";
import { type Person as MentionPerson, confirmMention, findPeople } from "../lib/people";
import { FloatingMenu, type MenuItem } from "../editor/menu";

type Span = { text?: string; mention?: { kind: string; id: number }; href?: string };
interface Person { id: number; name: string }
interface Comment {
  id: number;
  parent_id: number | null;
  block_id: string | null;
  orphaned?: boolean;
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
  if (comment.orphaned && comment.parent_id === null) item.append(el("p", "collab-orphaned muted", "The commented text was removed."));
  item.append(bodyNode(comment));
  const actions = el("div", "collab-comment-actions");
  if (comment.author && comment.author.id === me && !comment.deleted) actions.append(button("Delete", "delete", comment.id));
  if (canComment && comment === thread) actions.append(button(thread.resolved ? "Reopen" : "Resolve", thread.resolved ? "reopen" : "resolve", thread.id));
  if (actions.childElementCount) item.append(actions);
  return item;
}

function threadNode(thread: Comment, me: number, canComment: boolean): HTMLElement {
  const item = el("li", "collab-thread");
  item.dataset.threadId = String(thread.id);
  if (thread.anchor && !thread.orphaned) item.classList.add("collab-inline");
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

  // The status line under the page tells the writer what became of their comment ("eve has no access…"); a read
  // of the threads (the live refresh that follows every comment) replaces only what a read said there.
  let readSaid = true;  // "Loading comments…"
  const say = (text: string) => { status.textContent = text; readSaid = false; };
  const sayAfterRead = (text: string) => { status.textContent = text; readSaid = true; };
  const side = sidePanel();
  const sideStatus = side.querySelector<HTMLElement>("[data-collab-side-status]")!;
  const sideBody = side.querySelector<HTMLElement>("[data-collab-side-body]")!;
  let threads: Comment[] = [];
  let shown: number | null = null;  // the thread in the side panel
  const gone = new Set<number>();  // threads whose marks are still in the text but that were deleted

  // Resolved and deleted threads lose their highlight in the editor; the one in the side panel is emphasised.
  function publish(): void {
    const closed = [...threads.filter((t) => t.resolved).map((t) => t.id), ...gone];
    const detail = { closed, active: shown };
    (window as any).workosCommentThreads = detail;
    document.dispatchEvent(new CustomEvent("workos:comment-threads", { detail }));
  }

  // Opening a thread reads the threads afresh: replies and threads others wrote since this page loaded
  // (there are no live updates of comments yet). The thread shows at once from what is known, then updates.
  // The latest read draws the open thread (``load``): an older one may end last and would show a thread written
  // since it started as deleted.
  async function openThread(id: number): Promise<void> {
    if (threads.some((t) => t.id === id)) showThread(id);
    else {
      shown = id;
      sideStatus.textContent = "Loading…";
      sideBody.replaceChildren();
      side.hidden = false;
      publish();
    }
    await run(load);
  }

  function showThread(id: number): void {
    const thread = threads.find((t) => t.id === id);
    shown = id;
    sideStatus.textContent = "";
    sideBody.replaceChildren();
    if (!thread) {
      sideStatus.textContent = "This comment was deleted.";
      gone.add(id);
    } else {
      gone.delete(id);
      const list = el("ol", "collab-threads");
      list.append(threadNode(thread, me, canComment));
      sideBody.append(list);
    }
    side.hidden = false;
    publish();
  }

  function closeSide(): void {
    side.hidden = true;
    shown = null;
    sideBody.replaceChildren();
    publish();
  }
  side.querySelector("[data-collab-side-close]")!.addEventListener("click", closeSide);

  // Reads overlap (a live refresh, the read after one's own reply): only the latest one started draws, so an
  // older answer arriving last never takes a reply off the screen.
  let reads = 0;
  async function load(): Promise<void> {
    const read = ++reads;
    const found: Comment[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/comments?page_id=${pageId}&limit=200` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : "");
      const page: { items: Comment[]; next_cursor: string | null } = await api("GET", query);
      found.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    if (read !== reads) return;
    threads = found;
    // A live refresh draws the threads again: replies being typed (and where the caret was) are carried over.
    const drafts = takeDrafts([sideBody, open, resolved]);
    // the open thread is drawn again (or for the first time), unless the side panel holds a new inline comment
    if (shown !== null && !side.hidden && !sideBody.querySelector(".collab-new")) showThread(shown);
    else publish();
    open.replaceChildren(...threads.filter((t) => !t.resolved).map((t) => threadNode(t, me, canComment)));
    resolved.replaceChildren(...threads.filter((t) => t.resolved).map((t) => threadNode(t, me, canComment)));
    putDrafts([sideBody, open, resolved], drafts);
    resolvedBox.hidden = resolved.childElementCount === 0;
    if (readSaid || !threads.length) sayAfterRead(threads.length ? "" : "No comments yet.");
    if (location.hash.startsWith("#comment-")) {
      const target = document.getElementById(location.hash.slice(1));
      if (target) {
        if (resolvedBox.contains(target)) resolvedBox.open = true;
        target.classList.add("collab-highlight");
        target.scrollIntoView({ block: "center" });
      }
      landOnAnchor(Number(location.hash.slice("#comment-".length)));
    }
  }

  // A link to a comment of an inline thread (the inbox's) lands on the commented words: the thread opens in the
  // side panel (which highlights its words in the editor) and the editor scrolls to them — once per page load,
  // not at every live refresh. The editor draws after the document syncs, so the words are looked for a few times.
  let landed = false;
  function landOnAnchor(commentId: number): void {
    const thread = threads.find((t) => t.id === commentId || t.replies.some((reply) => reply.id === commentId));
    if (landed || !thread || !thread.block_id || thread.orphaned || thread.resolved) return;
    landed = true;
    showThread(thread.id);
    let tries = 0;
    const look = () => {
      const words = document.querySelector<HTMLElement>(`.ProseMirror [data-comment-thread="${thread.id}"]`);
      if (words) words.scrollIntoView({ block: "center" });
      else if (++tries < 40) window.setTimeout(look, 250);
    };
    look();
  }

  async function run(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      (work === load ? sayAfterRead : say)(error instanceof ApiError ? error.message : "Something went wrong; try again.");
    }
  }

  // The side panel's own messages go to its status line; the panel under the page keeps its own.
  const sayIn = (container: HTMLElement) => (text: string) => (container === side ? (sideStatus.textContent = text) : say(text));

  let starting: (CommentStartDetail & { error?: string }) | null = null;

  function wire(container: HTMLElement): void {
    const tell = sayIn(container);
    container.addEventListener("submit", (event) => {
      const form = event.target as HTMLFormElement;
      if (!form.matches("[data-collab-new], .collab-reply, [data-collab-inline-new]")) return;
      event.preventDefault();
      const input = form.querySelector("textarea")!;
      const text = input.value;
      if (!text.trim()) return;
      const parentId = form.dataset.parentId ? Number(form.dataset.parentId) : null;
      const inline = form.matches("[data-collab-inline-new]") ? starting : null;
      const submit = form.querySelector<HTMLButtonElement>("button[type=submit]");
      if (submit) submit.disabled = true;
      void (async () => {
        try {
          const body = { text: bodySpans(input) };
          let written: Comment;
          if (inline) {
            await inline.saved();
            written = await api("POST", "/comments", {
              page_id: pageId, block_id: inline.blockId, body, ...(inline.marksItself ? { mark_text: false } : {}),
              anchor: { start: inline.start, end: inline.end, ...(inline.text !== undefined ? { text: inline.text } : {}) },
            });
            if (inline.marksItself) inline.mark(written.id);
            starting = null;
          } else {
            written = await api("POST", "/comments", { page_id: pageId, parent_id: parentId, body });
          }
          input.value = "";
          await load();
          if (inline) showThread(written.id);
          const missed = written.not_notified ?? [];
          tell(missed.length ? `${missed.map((p) => p.name).join(", ")} ${missed.length === 1 ? "has" : "have"} no access to this page and ${missed.length === 1 ? "was" : "were"} not notified.` : "");
        } catch (error) {
          tell(error instanceof ApiError ? error.message : "Something went wrong; try again.");
        } finally {
          if (submit) submit.disabled = false;
        }
      })();
    });

    container.addEventListener("click", (event) => {
      const target = (event.target as HTMLElement).closest<HTMLButtonElement>("button[data-action]");
      if (!target) return;
      const id = Number(target.dataset.id);
      const action = target.dataset.action;
      void (async () => {
        try {
          if (action === "delete") await api("DELETE", `/comments/${id}`);
          else if (action === "resolve" || action === "reopen") await api("POST", `/comments/${id}/${action}`);
          await load();
        } catch (error) {
          tell(error instanceof ApiError ? error.message : "Something went wrong; try again.");
        }
      })();
    });
    container.addEventListener("input", (event) => {
      const input = event.target as HTMLElement;
      if (input instanceof HTMLTextAreaElement) void offerPeople(input, pageId);
    });
    container.addEventListener("keydown", (event) => {
      if (event.target instanceof HTMLTextAreaElement && peopleMenu.onKeyDown(event)) event.preventDefault();
      if (event.key === "Escape" && peopleMenu.visible) peopleMenu.hide();
    });
  }
  wire(root);
  wire(side);

  document.addEventListener("workos:comment-open", (event) => {
    void openThread(Number((event as CustomEvent).detail.threadId));
  });
  document.addEventListener("workos:comment-start", (event) => {
    const detail = (event as CustomEvent).detail as CommentStartDetail & { error?: string };
    side.hidden = false;
    shown = null;
    sideBody.replaceChildren();
    if (detail.error) {
      sideStatus.textContent = detail.error;
      return;
    }
    if (!canComment) {
      sideStatus.textContent = "You may read this page's comments but not write them.";
      return;
    }
    starting = detail;
    sideStatus.textContent = "";
    const form = el("form", "collab-new");
    form.dataset.collabInlineNew = "";
    const quote = el("blockquote", "collab-anchor", detail.quote);
    const input = el("textarea");
    input.name = "text";
    input.rows = 3;
    input.maxLength = 20000;
    input.placeholder = "Add a comment…";
    input.setAttribute("aria-label", "Comment on the selected text");
    const send = el("button", "", "Comment");
    send.type = "submit";
    form.append(input, send);
    sideBody.append(quote, form);
    publish();
    input.focus();
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

type Draft = { value: string; focused: boolean; start: number; end: number };

// The reply boxes of threads, by container and thread: what is typed in them survives a redraw.
function draftKey(container: HTMLElement, area: HTMLTextAreaElement): string | null {
  const form = area.closest<HTMLFormElement>("form.collab-reply");
  const index = ["side", "open", "resolved"][Number(container.dataset.draftIndex ?? -1)] ?? "";
  return form?.dataset.parentId ? `${index}:${form.dataset.parentId}` : null;
}

function takeDrafts(containers: HTMLElement[]): Map<string, Draft> {
  const drafts = new Map<string, Draft>();
  containers.forEach((container, index) => {
    container.dataset.draftIndex = String(index);
    container.querySelectorAll<HTMLTextAreaElement>("textarea").forEach((area) => {
      const key = draftKey(container, area);
      const focused = document.activeElement === area;
      if (key && (area.value || focused)) drafts.set(key, { value: area.value, focused, start: area.selectionStart, end: area.selectionEnd });
    });
  });
  return drafts;
}

function putDrafts(containers: HTMLElement[], drafts: Map<string, Draft>): void {
  if (!drafts.size) return;
  for (const container of containers) {
    container.querySelectorAll<HTMLTextAreaElement>("textarea").forEach((area) => {
      const key = draftKey(container, area);
      const draft = key ? drafts.get(key) : undefined;
      if (!draft) return;
      area.value = draft.value;
      if (draft.focused) {
        area.focus();
        area.setSelectionRange(draft.start, draft.end);
      }
    });
  }
}

interface CommentStartDetail {
  blockId: string;
  start: number;
  end: number;
  text?: string;
  quote: string;
  marksItself: boolean;
  mark: (threadId: number) => boolean;
  saved: () => Promise<void>;
}

/** The side panel of inline threads (at the right of the page). */
function sidePanel(): HTMLElement {
  const side = el("aside", "collab-side");
  side.dataset.collabSide = "";
  side.hidden = true;
  side.setAttribute("aria-label", "Comment");
  const head = el("header", "collab-side-head");
  head.append(el("h2", "", "Comment"));
  const close = el("button", "collab-link", "Close");
  close.type = "button";
  close.dataset.collabSideClose = "";
  head.append(close);
  const status = el("p", "muted");
  status.dataset.collabSideStatus = "";
  status.setAttribute("role", "status");
  const body = el("div");
  body.dataset.collabSideBody = "";
  side.append(head, status, body);
  document.body.append(side);
  return side;
}

// --- @mentions in comment boxes ------------------------------------------------------------------------

interface PersonChoice extends MenuItem {
  person: MentionPerson;
  canShare: boolean;
}

const peopleMenu = new FloatingMenu<PersonChoice>("Mention a person", "No one matches");
/** The people each comment box mentions: "@login" in its text stands for them. */
const mentioned = new WeakMap<HTMLTextAreaElement, Map<string, number>>();
let asked = 0;

async function offerPeople(input: HTMLTextAreaElement, pageId: number): Promise<void> {
  const before = input.value.slice(0, input.selectionStart ?? input.value.length);
  const match = before.match(/(?:^|\s)@([\w.-]{0,30})$/);
  if (!match) {
    peopleMenu.hide();
    return;
  }
  const query = match[1];
  const mine = ++asked;
  const people = await findPeople(pageId, query).catch(() => ({ items: [], can_share: false }));
  if (mine !== asked) return;
  const choices: PersonChoice[] = people.items.map((p) => ({
    key: "user:" + p.id, title: p.name, icon: "👤", hint: p.can_read ? undefined : "No access", person: p, canShare: people.can_share,
  }));
  const rect = input.getBoundingClientRect();
  peopleMenu.show(choices, new DOMRect(rect.left, rect.top, 0, rect.height), async (choice) => {
    peopleMenu.hide();
    if (!choice.person.can_read && !(await confirmMention(choice.person, pageId, choice.canShare, input.getBoundingClientRect()))) {
      input.focus();
      return;
    }
    const caret = input.selectionStart ?? input.value.length;
    const start = caret - query.length - 1;
    const token = "@" + choice.person.username;
    input.value = input.value.slice(0, start) + token + " " + input.value.slice(caret);
    input.selectionStart = input.selectionEnd = start + token.length + 1;
    if (!mentioned.has(input)) mentioned.set(input, new Map());
    mentioned.get(input)!.set(token, choice.person.id);
    input.focus();
  });
}

/** A comment box's text as rich text: each "@login" chosen from the menu becomes a mention of that person. */
function bodySpans(input: HTMLTextAreaElement): Span[] {
  const text = input.value;
  const tokens = mentioned.get(input);
  if (!tokens || tokens.size === 0) return [{ text }];
  const pattern = new RegExp([...tokens.keys()].sort((a, b) => b.length - a.length).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  const spans: Span[] = [];
  let last = 0;
  for (const found of text.matchAll(pattern)) {
    if (found.index! > last) spans.push({ text: text.slice(last, found.index) });
    spans.push({ mention: { kind: "user", id: tokens.get(found[0])! }, text: found[0] });
    last = found.index! + found[0].length;
  }
  if (last < text.length) spans.push({ text: text.slice(last) });
  mentioned.delete(input);
  return spans;
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
