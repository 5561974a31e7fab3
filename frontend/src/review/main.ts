// Review and publish on a page: the status chip's menu of moves, the review banner's buttons (Approve, Request
// changes, Reject with a comment; Withdraw; Request review again), "Request review…" and "Publish to web…" in
// the page "⋯" menu (through the shell's workos:page-menu event), and the publication's state and URL in the
// share dialog (workos:share-dialog). Every change goes through /api/v1 (status, review-requests, publication).
// No inline handlers and no innerHTML: elements are built here and bound with addEventListener (strict CSP).

import "./review.css";
import { api } from "../lib/api";
import { dialog, message, openMenu, toast } from "../sidebar/ui";

interface Move {
  id: number;
  name: string;
  to_state: string;
  to_name: string;
  requires_approval: boolean;
}
interface Status {
  enabled: boolean;
  state: { code: string; name: string } | null;
  transitions: Move[];
}
interface Publication {
  state: "published" | "unpublished";
  url: string | null;
  slug: string;
  include_subpages: boolean;
  noindex: boolean;
  description: string;
  published_at: string | null;
  review_required: boolean;
  pages: { page_id: number; title: string; url: string }[];
}
interface MenuItem {
  label: string;
  icon: string;
  run: () => void;
}

const reload = () => window.location.reload();

function header(): HTMLElement | null {
  return document.querySelector<HTMLElement>("[data-review-header]");
}

// --- status chip ---------------------------------------------------------------------------------------------

async function statusMenu(chip: HTMLElement, pageId: string) {
  let status: Status;
  try {
    status = await api<Status>("GET", `/pages/${pageId}/status`);
  } catch (error) {
    toast(message(error, "Could not read the page's status"));
    return;
  }
  const items: MenuItem[] = status.transitions
    .filter((move) => !move.requires_approval)
    .map((move) => ({ label: `${move.name} → ${move.to_name}`, icon: "➜", run: () => void moveTo(pageId, move.to_state) }));
  if (status.transitions.some((move) => move.requires_approval)) {
    items.push({ label: "Approval comes from a review request", icon: "ℹ", run: () => void requestReview(pageId) });
  }
  if (!items.length) items.push({ label: "No move open to you from here", icon: "ℹ", run: () => undefined });
  openMenu(chip, items);
}

async function moveTo(pageId: string, toState: string) {
  try {
    await api("POST", `/pages/${pageId}/status`, { to_state: toState });
    reload();
  } catch (error) {
    toast(message(error, "Could not change the status"));
  }
}

// --- the review banner ---------------------------------------------------------------------------------------

function bindBanner(root: HTMLElement) {
  const banner = root.querySelector<HTMLElement>("[data-review-banner]");
  if (!banner) return;
  const requestId = banner.dataset.requestId;
  for (const button of banner.querySelectorAll<HTMLButtonElement>("[data-review-decide]")) {
    button.addEventListener("click", async () => {
      const comment = banner.querySelector<HTMLTextAreaElement>("[data-review-comment]")?.value ?? "";
      button.disabled = true;
      try {
        await api("POST", `/review-requests/${requestId}/decisions`, { decision: button.dataset.reviewDecide, comment });
        reload();
      } catch (error) {
        button.disabled = false;
        toast(message(error, "Could not record your decision"));
      }
    });
  }
  banner.querySelector("[data-review-withdraw]")?.addEventListener("click", async () => {
    try {
      await api("POST", `/review-requests/${requestId}/withdraw`, {});
      reload();
    } catch (error) {
      toast(message(error, "Could not withdraw the request"));
    }
  });
  banner.querySelector("[data-review-resubmit]")?.addEventListener("click", async () => {
    const note = window.prompt("What changed? (optional)", "");
    if (note === null) return;
    try {
      await api("POST", `/review-requests/${requestId}/resubmit`, { note });
      reload();
    } catch (error) {
      toast(message(error, "Could not ask again"));
    }
  });
}

// --- request review ------------------------------------------------------------------------------------------

function field(label: string, control: HTMLElement): HTMLLabelElement {
  const wrapper = document.createElement("label");
  wrapper.className = "review-field";
  wrapper.append(label, control);
  return wrapper;
}

async function requestReview(pageId: string) {
  const workspaceId = document.querySelector<HTMLElement>("[data-scope-model='ipai.workos.page']")?.dataset.workspaceId;
  let members: { user_id: number; username: string }[] = [];
  let groups: { id: number; name: string }[] = [];
  try {
    if (workspaceId) {
      [members, groups] = await Promise.all([
        api<{ user_id: number; username: string }[]>("GET", `/workspaces/${workspaceId}/members`),
        api<{ id: number; name: string }[]>("GET", `/workspaces/${workspaceId}/groups`),
      ]);
    }
  } catch {
    /* an empty picker says so */
  }
  const { backdrop, body } = dialog("Request review");
  const form = document.createElement("form");
  form.className = "review-form";
  const who = document.createElement("select");
  who.multiple = true;
  who.size = Math.min(6, Math.max(3, members.length + groups.length));
  who.dataset.reviewApprovers = "";
  for (const member of members) who.append(new Option(member.username, `user:${member.user_id}`));
  for (const group of groups) who.append(new Option(`${group.name} (group)`, `group:${group.id}`));
  const policy = document.createElement("select");
  policy.dataset.reviewPolicy = "";
  policy.append(new Option("Any one of them", "any"), new Option("All of them", "all"), new Option("One after the other", "sequence"));
  const note = document.createElement("textarea");
  note.rows = 3;
  note.maxLength = 2000;
  note.dataset.reviewNote = "";
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.className = "shell-primary";
  submit.textContent = "Request review";
  form.append(field("Reviewers (people or one group)", who), field("Who must approve", policy), field("Note", note), submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = [...who.selectedOptions].map((option) => option.value);
    const group = chosen.find((value) => value.startsWith("group:"));
    const body = group
      ? { group_id: Number(group.slice(6)), policy: policy.value, note: note.value }
      : { approver_ids: chosen.map((value) => Number(value.slice(5))), policy: policy.value, note: note.value };
    try {
      await api("POST", `/pages/${pageId}/review-requests`, body);
      backdrop.remove();
      reload();
    } catch (error) {
      toast(message(error, "Could not request the review"));
    }
  });
  body.append(form);
}

// --- publish to web ------------------------------------------------------------------------------------------

function publicationSummary(publication: Publication): HTMLElement {
  const box = document.createElement("div");
  box.className = "review-publication";
  box.dataset.publicationState = publication.state;
  if (publication.state === "published" && publication.url) {
    const link = document.createElement("a");
    link.href = publication.url;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = `${window.location.origin}${publication.url}`;
    link.dataset.publicationUrl = "";
    box.append("🌐 Published at ", link, publication.pages.length > 1 ? ` with ${publication.pages.length - 1} sub-pages` : "");
  } else {
    box.append(publication.review_required ? "Not published. Publishing here needs an approved review." : "Not published.");
  }
  return box;
}

async function publishDialog(pageId: string) {
  let publication: Publication;
  try {
    publication = await api<Publication>("GET", `/pages/${pageId}/publication`);
  } catch (error) {
    toast(message(error, "Could not read the publication"));
    return;
  }
  const { backdrop, body } = dialog("Publish to web");
  const form = document.createElement("form");
  form.className = "review-form";
  const slug = document.createElement("input");
  slug.value = publication.slug;
  slug.placeholder = "page-address (from the title when empty)";
  slug.dataset.publishSlug = "";
  const description = document.createElement("input");
  description.value = publication.description;
  description.maxLength = 300;
  const subpages = document.createElement("input");
  subpages.type = "checkbox";
  subpages.checked = publication.include_subpages;
  subpages.dataset.publishSubpages = "";
  const noindex = document.createElement("input");
  noindex.type = "checkbox";
  noindex.checked = publication.noindex;
  const publish = document.createElement("button");
  publish.type = "submit";
  publish.className = "shell-primary";
  publish.textContent = publication.state === "published" ? "Publish again" : "Publish";
  const actions = document.createElement("div");
  actions.className = "review-actions";
  actions.append(publish);
  if (publication.state === "published") {
    const unpublish = document.createElement("button");
    unpublish.type = "button";
    unpublish.className = "button-quiet";
    unpublish.textContent = "Unpublish";
    unpublish.addEventListener("click", async () => {
      try {
        await api("DELETE", `/pages/${pageId}/publication`);
        backdrop.remove();
        reload();
      } catch (error) {
        toast(message(error, "Could not unpublish"));
      }
    });
    actions.append(unpublish);
  }
  form.append(publicationSummary(publication), field("Address", slug), field("Description (search engines, link previews)", description),
    field("With its sub-pages", subpages), field("Ask search engines not to index it", noindex), actions);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("PUT", `/pages/${pageId}/publication`, {
        slug: slug.value.trim() || null, description: description.value, include_subpages: subpages.checked, noindex: noindex.checked,
      });
      backdrop.remove();
      reload();
    } catch (error) {
      toast(message(error, "Could not publish the page"));
    }
  });
  body.append(form);
}

// --- wiring --------------------------------------------------------------------------------------------------

document.addEventListener("workos:page-menu", (event) => {
  const detail = (event as CustomEvent<{ page: { id: number; editable: boolean }; items: MenuItem[] }>).detail;
  const pageId = String(detail.page.id);
  if (detail.page.editable) detail.items.push({ label: "Request review…", icon: "✅", run: () => void requestReview(pageId) });
  detail.items.push({ label: "Publish to web…", icon: "🌐", run: () => void publishDialog(pageId) });
});

document.addEventListener("workos:share-dialog", async (event) => {
  const detail = (event as CustomEvent<{ model: string; id: string; body: HTMLElement }>).detail;
  if (detail.model !== "ipai.workos.page") return;
  try {
    const publication = await api<Publication>("GET", `/pages/${detail.id}/publication`);
    const section = document.createElement("section");
    section.className = "review-share";
    const title = document.createElement("h3");
    title.textContent = "Publish to web";
    const open = document.createElement("button");
    open.type = "button";
    open.className = "button-quiet";
    open.textContent = publication.state === "published" ? "Settings…" : "Publish…";
    open.addEventListener("click", () => void publishDialog(detail.id));
    section.append(title, publicationSummary(publication), open);
    detail.body.append(section);
  } catch {
    /* not readable: nothing to add */
  }
});

const root = header();
if (root) {
  const pageId = root.dataset.pageId!;
  root.querySelector<HTMLElement>("[data-review-status]")?.addEventListener("click", (event) => void statusMenu(event.currentTarget as HTMLElement, pageId));
  bindBanner(root);
}
