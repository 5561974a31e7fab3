// The share dialog of pages and databases: who has access (inherited or explicit), invitations with a level,
// the "restricted" switch and share links — all through /api/v1/permissions and /api/v1/share-tokens, whose
// services refuse whoever may not share.

import { api } from "../lib/api";
import { type Invitation, invitationEntry } from "./settings";
import { dialog, message, toast, when } from "./ui";

const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

// --- sharing ----------------------------------------------------------------------------------------------

const LEVELS: [string, string][] = [
  ["manage", "Full access"],
  ["edit", "Can edit"],
  ["comment", "Can comment"],
  ["view", "Can view"],
];

interface Grant {
  id: number;
  scope_model: string;
  scope_id: string;
  user_id: number | null;
  group_id: number | null;
  level: string;
}

interface ShareLink {
  id: number;
  prefix: string;
  level: string;
  audience: string;
  expires_at: string | null;
  revoked_at: string | null;
}

const AUDIENCES: [string, string][] = [["members", "Workspace members with the link"], ["public", "Anyone with the link"]];

interface Scope {
  model: string;
  id: string;
  label: string;
}

function levelSelect(value: string, label: string): HTMLSelectElement {
  const select = document.createElement("select");
  select.className = "share-level";
  select.setAttribute("aria-label", label);
  for (const [level, name] of LEVELS) select.append(new Option(name, level, false, level === value));
  return select;
}

function levelName(level: string): string {
  return LEVELS.find(([key]) => key === level)?.[1] ?? level;
}

/** The share dialog of a page or a database: who has access (explicit here, inherited from the pages above, the
 * space and the workspace), inviting a member with a level, and share links. All through /api/v1/permissions and
 * /api/v1/share-tokens, which refuse whoever may not share. */
export async function shareDialog(button: HTMLElement) {
  const target: Scope = { model: button.dataset.scopeModel!, id: button.dataset.scopeId!, label: "this page" };
  const workspaceId = button.dataset.workspaceId;
  const parents: Scope[] = [];
  if (target.model === "ipai.workos.page") {
    try {
      const ancestors = await api<{ id: number; title: string }[]>("GET", `/pages/${target.id}/ancestors`);
      for (const ancestor of ancestors.reverse()) parents.push({ model: "ipai.workos.page", id: String(ancestor.id), label: ancestor.title || "Untitled" });
    } catch {
      /* no ancestors to show */
    }
  } else if (button.dataset.parentPageId) {
    parents.push({ model: "ipai.workos.page", id: button.dataset.parentPageId, label: button.dataset.parentPageTitle || "Untitled" });
  }
  if (button.dataset.spaceId) parents.push({ model: "ipai.workos.space", id: button.dataset.spaceId, label: `the space ${button.dataset.spaceName ?? ""}`.trim() });
  if (workspaceId) parents.push({ model: "ipai.workos.workspace", id: workspaceId, label: "the workspace" });
  let members: { user_id: number; username: string; role: string }[] = [];
  try {
    if (workspaceId) members = await api("GET", `/workspaces/${workspaceId}/members`);
  } catch {
    members = [];
  }
  let groups: { id: number; name: string; group_id: number }[] = [];
  try {
    if (workspaceId) groups = await api("GET", `/workspaces/${workspaceId}/groups`);
  } catch {
    groups = [];
  }
  const nameOf = (userId: number | null, groupId: number | null) =>
    userId !== null
      ? members.find((m) => m.user_id === userId)?.username ?? `user ${userId}`
      : `${groups.find((g) => g.group_id === groupId)?.name ?? "a group"} (group)`;

  const { body } = dialog("Share");
  body.classList.add("share");
  const invite = document.createElement("form");
  invite.className = "share-invite";
  const who = document.createElement("select");
  who.setAttribute("aria-label", "Member to invite");
  who.dataset.shareMember = "";
  who.append(new Option("Choose a member or a group…", ""));
  for (const member of members) who.append(new Option(member.username, String(member.user_id)));
  if (groups.length) {
    const teams = document.createElement("optgroup");
    teams.label = "Groups";
    for (const group of groups) teams.append(new Option(group.name, `group:${group.group_id}`));
    who.append(teams);
  }
  const level = levelSelect("view", "Level for the invited member");
  level.dataset.shareInviteLevel = "";
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.className = "shell-primary";
  submit.textContent = "Invite";
  invite.append(who, level, submit);
  // Someone without an account: typing an e-mail address offers an invitation by e-mail to this page, as a guest
  // of the workspace (administrators may make them a member) with the level chosen above.
  const byEmail = document.createElement("form");
  byEmail.className = "share-invite-email";
  const email = document.createElement("input");
  email.type = "email";
  email.placeholder = "Or type an e-mail address";
  email.setAttribute("aria-label", "E-mail address to invite");
  email.dataset.shareEmail = "";
  const emailRole = document.createElement("select");
  emailRole.setAttribute("aria-label", "Role in the workspace of the person invited");
  emailRole.append(new Option("as guest", "guest"), new Option("as member", "member"));
  const emailSubmit = document.createElement("button");
  emailSubmit.type = "submit";
  emailSubmit.className = "button-quiet";
  emailSubmit.textContent = "Invite by e-mail";
  emailSubmit.dataset.shareEmailInvite = "";
  const showEmailInvite = () => {
    const typed = EMAIL.test(email.value.trim());
    for (const control of [emailRole, emailSubmit]) control.style.display = typed ? "" : "none"; // buttons' CSS display beats [hidden]
  };
  email.addEventListener("input", showEmailInvite);
  showEmailInvite();
  byEmail.append(email, emailRole, emailSubmit);
  if (!workspaceId) byEmail.hidden = true;
  const access = document.createElement("div");
  access.className = "share-access";
  const links = document.createElement("div");
  links.className = "share-links";
  // General access of a page: open to whoever has access above it, or restricted to those invited here.
  let restricted = false;
  const general = document.createElement("label");
  general.className = "share-general";
  // Pages and databases both take "only people invited" (the database's rows follow it).
  const base = target.model === "ipai.workos.page" ? `/pages/${target.id}` : target.model === "ipai.workos.database" ? `/databases/${target.id}` : null;
  const what = target.model === "ipai.workos.database" ? "database" : "page";
  if (base) {
    try {
      restricted = (await api<{ restricted: boolean }>("GET", base)).restricted;
    } catch {
      restricted = false;
    }
    const choice = document.createElement("select");
    choice.dataset.shareRestricted = "";
    choice.append(new Option("Everyone with access to what is above it", "open", false, !restricted),
      new Option("Only people invited (and administrators)", "restricted", false, restricted));
    choice.addEventListener("change", async () => {
      try {
        const changed = await api<{ restricted: boolean }>("POST", `${base}/restrict`, { restricted: choice.value === "restricted" });
        restricted = changed.restricted;
        await drawAccess();
        toast(restricted ? `Only people invited can open this ${what} now` : `Everyone with access above can open this ${what} again`);
      } catch (error) {
        choice.value = restricted ? "restricted" : "open";
        toast(message(error, `Could not change who can open this ${what}`));
      }
    });
    general.append("General access ", choice);
  }
  body.append(invite, byEmail, general, access, links);
  // Islands of other modules add their part (publishing: "Publish to web", its state and URL) by listening to this.
  document.dispatchEvent(new CustomEvent("workos:share-dialog", { detail: { model: target.model, id: target.id, body } }));

  const drawAccess = async () => {
    const heading = document.createElement("h3");
    heading.textContent = "Who has access";
    const list = document.createElement("ul");
    list.className = "share-list";
    try {
      for (const grant of await api<Grant[]>("GET", `/permissions?scope_model=${encodeURIComponent(target.model)}&scope_id=${target.id}`)) {
        const item = document.createElement("li");
        item.className = "share-entry is-explicit";
        item.dataset.grantId = String(grant.id);
        const name = document.createElement("span");
        name.className = "share-name";
        name.textContent = nameOf(grant.user_id, grant.group_id);
        const select = levelSelect(grant.level, `Level of ${name.textContent}`);
        select.addEventListener("change", async () => {
          try {
            await api("PATCH", `/permissions/${grant.id}`, { level: select.value });
            toast("Access changed");
          } catch (error) {
            toast(message(error, "Could not change the access"));
          }
        });
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "button-quiet";
        remove.textContent = "Remove";
        remove.addEventListener("click", async () => {
          try {
            await api("DELETE", `/permissions/${grant.id}`);
            await drawAccess();
          } catch (error) {
            toast(message(error, "Could not remove the access"));
          }
        });
        item.append(name, select, remove);
        list.append(item);
      }
    } catch (error) {
      const denied = document.createElement("li");
      denied.className = "muted";
      denied.textContent = message(error, "You cannot see who has access here.");
      list.append(denied);
    }
    for (const parent of restricted ? [] : parents) {
      let grants: Grant[] = [];
      try {
        grants = await api<Grant[]>("GET", `/permissions?scope_model=${encodeURIComponent(parent.model)}&scope_id=${parent.id}`);
      } catch {
        continue; // no share rights there: inherited grants of that level stay out of sight
      }
      for (const grant of grants) {
        const item = document.createElement("li");
        item.className = "share-entry is-inherited";
        const name = document.createElement("span");
        name.className = "share-name";
        name.textContent = nameOf(grant.user_id, grant.group_id);
        const from = document.createElement("span");
        from.className = "muted share-from";
        from.textContent = `${levelName(grant.level)} · from ${parent.label}`;
        item.append(name, from);
        list.append(item);
      }
    }
    if (workspaceId) {
      try {
        const pending = await api<Invitation[]>("GET", `/workspaces/${workspaceId}/invitations`);
        for (const invitation of pending.filter((i) => i.scope_model === target.model && i.scope_id === target.id)) {
          const item = invitationEntry(invitation, () => void drawAccess());
          item.classList.add("is-explicit");
          item.querySelector(".share-from")!.textContent = `Invited by e-mail · ${levelName(invitation.level)} · until ${when(invitation.expires_at)}`;
          list.append(item);
        }
      } catch {
        /* no invitations to show */
      }
    }
    if (target.model !== "ipai.workos.workspace" && workspaceId) {
      const everyone = document.createElement("li");
      everyone.className = "share-entry is-inherited";
      everyone.textContent = restricted
        ? "Restricted: only administrators and the people and groups invited here"
        : "Workspace members: by their role in the workspace and the space";
      everyone.classList.add("muted");
      list.append(everyone);
    }
    access.replaceChildren(heading, list);
  };

  const drawLinks = async () => {
    const heading = document.createElement("h3");
    heading.textContent = "Share links";
    const form = document.createElement("form");
    form.className = "share-link-form";
    const linkLevel = document.createElement("select");
    linkLevel.setAttribute("aria-label", "Level of the new link");
    for (const [key, name] of LEVELS.slice(1)) linkLevel.append(new Option(name, key, false, key === "view"));
    const audience = document.createElement("select");
    audience.setAttribute("aria-label", "Who may open the new link");
    audience.dataset.shareAudience = "";
    for (const [key, name] of AUDIENCES) audience.append(new Option(name, key, false, key === "members"));
    const expiry = document.createElement("input");
    expiry.type = "date";
    expiry.setAttribute("aria-label", "Expires on (optional)");
    const create = document.createElement("button");
    create.type = "submit";
    create.className = "button-quiet";
    create.textContent = "Create link";
    form.append(audience, linkLevel, expiry, create);
    const created = document.createElement("div");
    created.className = "share-created";
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const link = await api<{ url: string }>("POST", "/share-tokens", {
          scope_model: target.model, scope_id: target.id, level: linkLevel.value, audience: audience.value,
          expires_at: expiry.value ? new Date(expiry.value + "T23:59:59").toISOString() : null,
        });
        const url = window.location.origin + link.url;
        await drawLinks();
        const box = links.querySelector<HTMLElement>(".share-created")!;
        const field = document.createElement("input");
        field.readOnly = true;
        field.value = url;
        field.dataset.shareUrl = "";
        const copy = document.createElement("button");
        copy.type = "button";
        copy.className = "button-quiet";
        copy.textContent = "Copy";
        copy.addEventListener("click", async () => {
          try {
            await navigator.clipboard.writeText(url);
            toast("Link copied");
          } catch {
            field.select();
          }
        });
        const note = document.createElement("p");
        note.className = "muted";
        note.textContent = "Copy it now: the link is shown only once.";
        box.replaceChildren(field, copy, note);
      } catch (error) {
        toast(message(error, "Could not create the link"));
      }
    });
    const list = document.createElement("ul");
    list.className = "share-list";
    try {
      for (const link of await api<ShareLink[]>("GET", `/share-tokens?scope_model=${encodeURIComponent(target.model)}&scope_id=${target.id}`)) {
        if (link.revoked_at) continue;
        const item = document.createElement("li");
        item.className = "share-entry";
        item.dataset.shareTokenId = String(link.id);
        const name = document.createElement("span");
        name.className = "share-name";
        const who = link.audience === "public" ? "anyone" : "members";
        name.textContent = `${link.prefix}… · ${who} · ${levelName(link.level)}${link.expires_at ? ` · until ${when(link.expires_at)}` : ""}`;
        const revoke = document.createElement("button");
        revoke.type = "button";
        revoke.className = "button-quiet button-danger";
        revoke.textContent = "Revoke";
        revoke.addEventListener("click", async () => {
          try {
            await api("DELETE", `/share-tokens/${link.id}`);
            await drawLinks();
          } catch (error) {
            toast(message(error, "Could not revoke the link"));
          }
        });
        item.append(name, revoke);
        list.append(item);
      }
    } catch {
      form.hidden = true;
    }
    links.replaceChildren(heading, form, created, list);
  };

  byEmail.addEventListener("submit", async (event) => {
    event.preventDefault();
    const address = email.value.trim();
    if (!EMAIL.test(address)) {
      toast("Type an e-mail address");
      return;
    }
    try {
      await api("POST", `/workspaces/${workspaceId}/invitations`, {
        email: address, role: emailRole.value, scope_model: target.model, scope_id: target.id, level: level.value,
      });
      email.value = "";
      showEmailInvite();
      await drawAccess();
      toast(`Invitation sent to ${address}`);
    } catch (error) {
      toast(message(error, "Could not invite this address"));
    }
  });
  invite.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!who.value) {
      toast("Choose a member or a group to invite");
      return;
    }
    try {
      const grantee = who.value.startsWith("group:") ? { group_id: Number(who.value.slice(6)) } : { user_id: Number(who.value) };
      await api("POST", "/permissions", { scope_model: target.model, scope_id: target.id, level: level.value, ...grantee });
      who.value = "";
      await drawAccess();
      toast("Invited");
    } catch (error) {
      toast(message(error, "Could not invite this member"));
    }
  });
  await Promise.all([drawAccess(), drawLinks()]);
}
