// The settings page's islands: my account (name, e-mail, password), API tokens and the workspace (name, icon,
// members). Everything goes through /api/v1, so the services check permissions and write the audit trail.

import { api, embeddedJson } from "../lib/api";
import { confirmDialog, entry, listSection, message, savingSelect, toast, when } from "./ui";

// --- settings ---------------------------------------------------------------------------------------------

interface Token {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

async function drawTokens(section: HTMLElement) {
  const list = section.querySelector<HTMLElement>("[data-token-list]")!;
  list.replaceChildren();
  let tokens: Token[] = [];
  try {
    tokens = await api<Token[]>("GET", "/auth/tokens");
  } catch (error) {
    list.textContent = message(error, "Could not load your tokens");
    return;
  }
  for (const token of tokens) {
    if (token.revoked_at) continue; // a revoked token is history (the audit log keeps it), not something to manage
    const item = document.createElement("li");
    item.className = "share-entry";
    item.dataset.tokenId = String(token.id);
    const name = document.createElement("span");
    name.className = "share-name";
    name.textContent = `${token.name} · ${token.prefix}… · ${token.last_used_at ? "used " + when(token.last_used_at) : "never used"}`;
    const revoke = document.createElement("button");
    revoke.type = "button";
    revoke.className = "button-quiet button-danger";
    revoke.textContent = "Revoke";
    revoke.addEventListener("click", async () => {
      try {
        await api("DELETE", `/auth/tokens/${token.id}`);
        await drawTokens(section);
      } catch (error) {
        toast(message(error, "Could not revoke the token"));
      }
    });
    item.append(name, revoke);
    list.append(item);
  }
}

export function mountTokens() {
  const section = document.querySelector<HTMLElement>("[data-settings-tokens]");
  const form = section?.querySelector<HTMLFormElement>("[data-token-form]");
  if (!section || !form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = new FormData(form);
    try {
      // A new token needs the password again (POST /auth/token), as for any other client.
      const created = await api<{ token: string }>("POST", "/auth/token", {
        username: section.dataset.username, password: fields.get("password"), name: fields.get("name"),
      });
      form.reset();
      const box = section.querySelector<HTMLElement>("[data-token-created]")!;
      const field = document.createElement("input");
      field.readOnly = true;
      field.value = created.token;
      field.dataset.newToken = "";
      const note = document.createElement("p");
      note.className = "muted";
      note.textContent = "Copy it now: it is not shown again.";
      box.replaceChildren(field, note);
      await drawTokens(section);
    } catch (error) {
      toast(message(error, "Could not create the token"));
    }
  });
  void drawTokens(section);
}

export async function mountWorkspaceSettings() {
  const section = document.querySelector<HTMLElement>("[data-settings-workspace]");
  const tree = embeddedJson<{ workspace: { id: number } | null }>("workos-page-tree-data");
  if (!section || !tree?.workspace) return;
  let workspace: { id: number; name: string; icon: string; role: string | null };
  let members: { user_id: number; username: string; role: string }[];
  try {
    workspace = await api("GET", `/workspaces/${tree.workspace.id}`);
    members = await api("GET", `/workspaces/${tree.workspace.id}/members`);
  } catch {
    return;
  }
  const isAdmin = workspace.role === "admin";
  const form = document.createElement("form");
  form.className = "settings-workspace-form";
  const icon = document.createElement("input");
  icon.className = "settings-workspace-icon";
  icon.value = workspace.icon;
  icon.maxLength = 8;
  icon.placeholder = workspace.name.slice(0, 1).toUpperCase();
  icon.setAttribute("aria-label", "Workspace icon");
  const name = document.createElement("input");
  name.value = workspace.name;
  name.setAttribute("aria-label", "Workspace name");
  name.dataset.workspaceName = "";
  const save = document.createElement("button");
  save.type = "submit";
  save.className = "button-quiet";
  save.textContent = "Save";
  for (const control of [icon, name, save]) control.toggleAttribute("disabled", !isAdmin);
  form.append(icon, name, save);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("PATCH", `/workspaces/${workspace.id}`, { name: name.value, icon: icon.value });
      toast("Workspace saved");
    } catch (error) {
      toast(message(error, "Could not save the workspace"));
    }
  });
  const { heading, list } = listSection(`Members (${members.length})`, "settings-members");
  const roles: [string, string][] = [["admin", "Admin"], ["member", "Member"], ["guest", "Guest"]];
  for (const member of members) {
    const item = entry(member.username, { memberId: member.user_id });
    item.append(savingSelect(`Role of ${member.username}`, roles, member.role,
      (role) => api("PATCH", `/workspaces/${workspace.id}/members/${member.user_id}`, { role }), "Role changed", "Could not change the role", !isAdmin));
    list.append(item);
  }
  const nodes: HTMLElement[] = [form, heading, list];
  if (isAdmin) nodes.push(addMemberForm(workspace.id));
  const invitations = document.createElement("div");
  invitations.className = "settings-invitations";
  nodes.push(invitations);
  const spaces = document.createElement("div");
  spaces.className = "settings-spaces";
  const groups = document.createElement("div");
  groups.className = "settings-groups";
  section.append(...nodes, spaces, groups);
  section.hidden = false;
  await Promise.all([drawInvitations(invitations, workspace.id, isAdmin), drawSpaces(spaces, workspace.id, isAdmin),
    drawGroups(groups, workspace.id, members, isAdmin)]);
}

export interface Invitation {
  id: number;
  email: string;
  role: string;
  scope_model: string;
  scope_id: string;
  level: string;
  invited_by: string | null;
  expires_at: string;
  sent_at: string | null;
  status: string;
}

/** One pending invitation with its Resend and Revoke buttons (settings and the share dialog). */
export function invitationEntry(invitation: Invitation, redraw: () => void): HTMLLIElement {
  const item = entry(invitation.email, { invitationId: invitation.id }, "share-entry settings-invitation");
  const state = document.createElement("span");
  state.className = "muted share-from";
  const sent = invitation.sent_at ? `sent ${when(invitation.sent_at)}` : "not sent yet";
  state.textContent = invitation.status === "expired"
    ? `${invitation.role} · expired`
    : `${invitation.role}${invitation.invited_by ? ` · by ${invitation.invited_by}` : ""} · ${sent} · until ${when(invitation.expires_at)}`;
  const resend = document.createElement("button");
  resend.type = "button";
  resend.className = "button-quiet";
  resend.textContent = "Resend";
  resend.dataset.invitationResend = "";
  resend.addEventListener("click", async () => {
    try {
      await api("POST", `/invitations/${invitation.id}/resend`);
      toast(`Invitation sent again to ${invitation.email}`);
      redraw();
    } catch (error) {
      toast(message(error, "Could not send the invitation again"));
    }
  });
  const revoke = document.createElement("button");
  revoke.type = "button";
  revoke.className = "button-quiet button-danger";
  revoke.textContent = "Revoke";
  revoke.dataset.invitationRevoke = "";
  revoke.addEventListener("click", async () => {
    try {
      await api("DELETE", `/invitations/${invitation.id}`);
      toast("Invitation revoked");
      redraw();
    } catch (error) {
      toast(message(error, "Could not revoke the invitation"));
    }
  });
  item.append(state, resend, revoke);
  return item;
}

/** Pending invitations (all for administrators, the ones they sent for others) and, for administrators, the
 * form that invites an e-mail address with a role. */
async function drawInvitations(box: HTMLElement, workspaceId: number, isAdmin: boolean) {
  let pending: Invitation[] = [];
  try {
    pending = await api<Invitation[]>("GET", `/workspaces/${workspaceId}/invitations`);
  } catch {
    box.replaceChildren();
    return;
  }
  const redraw = () => void drawInvitations(box, workspaceId, isAdmin);
  const nodes: HTMLElement[] = [];
  if (pending.length || isAdmin) {
    const { heading, list } = listSection(`Pending invitations (${pending.length})`, "settings-invitation-list");
    for (const invitation of pending) list.append(invitationEntry(invitation, redraw));
    nodes.push(heading, list);
  }
  if (isAdmin) {
    const form = document.createElement("form");
    form.className = "settings-workspace-form";
    form.dataset.inviteForm = "";
    const email = document.createElement("input");
    email.type = "email";
    email.placeholder = "E-mail address to invite";
    email.setAttribute("aria-label", "E-mail address to invite");
    email.required = true;
    const role = document.createElement("select");
    role.setAttribute("aria-label", "Role of the person invited");
    for (const [key, label] of [["member", "Member"], ["guest", "Guest"], ["admin", "Admin"]]) role.append(new Option(label, key));
    const send = document.createElement("button");
    send.type = "submit";
    send.className = "button-quiet";
    send.textContent = "Invite by e-mail";
    form.append(email, role, send);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await api("POST", `/workspaces/${workspaceId}/invitations`, { email: email.value, role: role.value });
        toast(`Invitation sent to ${email.value}`);
        redraw();
      } catch (error) {
        toast(message(error, "Could not invite this address"));
      }
    });
    nodes.push(form);
  }
  box.replaceChildren(...nodes);
}

/** Administrators add someone who has an account here by their login, with a role. */
function addMemberForm(workspaceId: number): HTMLFormElement {
  const form = document.createElement("form");
  form.className = "settings-workspace-form";
  form.dataset.addMember = "";
  const login = document.createElement("input");
  login.placeholder = "Login of the person to add";
  login.setAttribute("aria-label", "Login of the person to add");
  login.required = true;
  const role = document.createElement("select");
  role.setAttribute("aria-label", "Role of the person to add");
  for (const [key, label] of [["member", "Member"], ["guest", "Guest"], ["admin", "Admin"]]) role.append(new Option(label, key));
  const add = document.createElement("button");
  add.type = "submit";
  add.className = "button-quiet";
  add.textContent = "Add member";
  form.append(login, role, add);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("POST", `/workspaces/${workspaceId}/members`, { username: login.value, role: role.value });
      toast(`${login.value} joined the workspace`);
      window.location.reload();
    } catch (error) {
      toast(message(error, "Could not add this person"));
    }
  });
  return form;
}

const VISIBILITIES: [string, string][] = [
  ["team", "Team: every member of the workspace"],
  ["public", "Public: members and guests may view"],
  ["private", "Private: administrators and people invited"],
];

/** The workspace's spaces and who they are open to; administrators change it. */
async function drawSpaces(box: HTMLElement, workspaceId: number, isAdmin: boolean) {
  let spaces: { id: number; name: string; icon: string; visibility: string }[] = [];
  try {
    spaces = (await api<{ items: typeof spaces }>("GET", `/spaces?workspace_id=${workspaceId}&limit=200`)).items;
  } catch {
    return;
  }
  const { heading, list } = listSection(`Spaces (${spaces.length})`, "settings-spaces-list");
  for (const space of spaces) {
    const item = entry(`${space.icon ? space.icon + " " : ""}${space.name}`, { spaceId: space.id });
    item.append(savingSelect(`Who may open ${space.name}`, VISIBILITIES, space.visibility,
      (visibility) => api("PATCH", `/spaces/${space.id}`, { visibility }), "Space access changed", "Could not change the space", !isAdmin));
    list.append(item);
  }
  box.replaceChildren(heading, list);
}

interface WorkspaceGroup {
  id: number;
  name: string;
  group_id: number;
  members: { user_id: number; username: string }[];
}

/** The workspace's groups: everyone sees them (to share with them); administrators create, fill and delete them. */
async function drawGroups(box: HTMLElement, workspaceId: number, members: { user_id: number; username: string }[], isAdmin: boolean) {
  let groups: WorkspaceGroup[] = [];
  try {
    groups = await api<WorkspaceGroup[]>("GET", `/workspaces/${workspaceId}/groups`);
  } catch {
    box.replaceChildren();
    return;
  }
  const redraw = () => void drawGroups(box, workspaceId, members, isAdmin);
  const run = async (request: () => Promise<unknown>, failed: string) => {
    try {
      await request();
      redraw();
    } catch (error) {
      toast(message(error, failed));
    }
  };
  const { heading, list } = listSection(`Groups (${groups.length})`, "settings-group-list");
  for (const group of groups) {
    const item = entry(group.name, { groupId: group.id }, "share-entry settings-group");
    const people = document.createElement("span");
    people.className = "settings-group-members";
    for (const member of group.members) {
      const chip = document.createElement("span");
      chip.className = "settings-group-member";
      chip.textContent = member.username;
      if (isAdmin) {
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "settings-chip-remove";
        remove.setAttribute("aria-label", `Remove ${member.username} from ${group.name}`);
        remove.textContent = "×";
        remove.addEventListener("click", () => void run(() => api("DELETE", `/groups/${group.id}/members/${member.user_id}`), "Could not remove this member"));
        chip.append(remove);
      }
      people.append(chip);
    }
    if (!group.members.length) {
      people.textContent = "No one yet";
      people.classList.add("settings-empty");
    }
    item.append(people);
    if (isAdmin) {
      const add = document.createElement("select");
      add.setAttribute("aria-label", `Add a member to ${group.name}`);
      add.dataset.groupAdd = "";
      add.append(new Option("Add…", ""));
      for (const member of members.filter((m) => !group.members.some((g) => g.user_id === m.user_id))) add.append(new Option(member.username, String(member.user_id)));
      add.addEventListener("change", () => {
        if (add.value) void run(() => api("POST", `/groups/${group.id}/members`, { user_id: Number(add.value) }), "Could not add this member");
      });
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button-quiet button-danger";
      remove.textContent = "Delete";
      remove.addEventListener("click", async () => {
        if (await confirmDialog("Delete this group?", `What was shared with ${group.name} is no longer shared with its members.`, "Delete group")) {
          await run(() => api("DELETE", `/groups/${group.id}`), "Could not delete the group");
        }
      });
      item.append(add, remove);
    }
    list.append(item);
  }
  const nodes: HTMLElement[] = [heading, list];
  if (isAdmin) {
    const create = document.createElement("form");
    create.className = "settings-workspace-form";
    create.dataset.groupForm = "";
    const name = document.createElement("input");
    name.placeholder = "New group, e.g. Design";
    name.setAttribute("aria-label", "Name of the new group");
    name.maxLength = 128;
    name.required = true;
    const button = document.createElement("button");
    button.type = "submit";
    button.className = "button-quiet";
    button.textContent = "Create group";
    create.append(name, button);
    create.addEventListener("submit", (event) => {
      event.preventDefault();
      void run(() => api("POST", `/workspaces/${workspaceId}/groups`, { name: name.value }), "Could not create the group");
    });
    nodes.push(create);
  }
  box.replaceChildren(...nodes);
}

/** My account: name and e-mail (PATCH /me), password (POST /me/password, which needs the current one). */
export function mountAccount() {
  const account = document.querySelector<HTMLFormElement>("[data-account-form]");
  account?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = new FormData(account);
    try {
      await api("PATCH", "/me", { first_name: fields.get("first_name"), last_name: fields.get("last_name"), email: fields.get("email") });
      toast("Saved");
    } catch (error) {
      toast(message(error, "Could not save your account"));
    }
  });
  const password = document.querySelector<HTMLFormElement>("[data-password-form]");
  password?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = new FormData(password);
    if (fields.get("new_password") !== fields.get("confirm_password")) {
      toast("The two new passwords differ");
      return;
    }
    try {
      await api("POST", "/me/password", { current_password: fields.get("current_password"), new_password: fields.get("new_password") });
      password.reset();
      toast("Password changed");
    } catch (error) {
      toast(message(error, "Could not change your password"));
    }
  });
}
