// @-mentions of people (workspace members) and pages. A mention is stored as {"mention": {"kind", "id"}}, so the
// server can turn it into a real reference; its label is only what the editor shows.

import Mention from "@tiptap/extension-mention";
import { PluginKey } from "@tiptap/pm/state";
import { api } from "../lib/api";
import { type Person, canRead, confirmMention, findPeople } from "../lib/people";
import { FloatingMenu, type MenuItem } from "./menu";

interface MentionChoice extends MenuItem {
  kind: "user" | "page";
  id: number;
  label: string;
  person?: Person;
  canShare?: boolean;
}

interface PageItem {
  id: number;
  title: string;
  icon: string;
}
interface Member {
  user_id: number;
  username: string;
}

let membersCache: Promise<Member[]> | null = null;

function members(workspaceId: number): Promise<Member[]> {
  if (!workspaceId) return Promise.resolve([]);
  membersCache ??= api<Member[]>("GET", `/workspaces/${workspaceId}/members`).catch(() => []);
  return membersCache;
}

async function peopleChoices(query: string, workspaceId: number, pageId: number | undefined, signal?: AbortSignal): Promise<MentionChoice[]> {
  if (pageId) {
    const people = await findPeople(pageId, query, signal).catch(() => ({ items: [], can_share: false }));
    return people.items.slice(0, 5).map((p) => ({
      key: "user:" + p.id, kind: "user", id: p.id, label: p.username, title: p.name, icon: "👤", group: "People",
      hint: p.can_read ? undefined : "No access", person: p, canShare: people.can_share,
    }));
  }
  const q = query.trim().toLowerCase();
  return (await members(workspaceId))
    .filter((m) => !q || m.username.toLowerCase().includes(q))
    .slice(0, 5)
    .map((m) => ({ key: "user:" + m.user_id, kind: "user", id: m.user_id, label: m.username, title: m.username, icon: "👤", group: "People" }));
}

async function search(query: string, workspaceId: number, pageId: number | undefined, signal?: AbortSignal): Promise<MentionChoice[]> {
  const [userChoices, pages] = await Promise.all([
    peopleChoices(query, workspaceId, pageId, signal),
    api<{ items: PageItem[] }>("GET", `/pages?limit=8&q=${encodeURIComponent(query.trim())}`, undefined, { signal }).catch(() => ({ items: [] })),
  ]);
  const pageChoices: MentionChoice[] = pages.items.slice(0, 8).map((p) => ({
    key: "page:" + p.id,
    kind: "page",
    id: p.id,
    label: p.title || "Untitled",
    title: p.title || "Untitled",
    icon: p.icon || "📄",
    group: "Pages",
  }));
  return [...userChoices, ...pageChoices];
}

// Live pages: a page mention is stored without its title (everyone on the page receives the Yjs document, and a
// title must reach only those who may read the page it names); each viewer's editor asks for the title itself.
// The titles asked for in one tick go in one request (GET /pages/titles answers null where the viewer may not
// read the page, the same as for a page that is gone: "No access").
const pageTitles = new Map<string, Promise<string>>();
let wanted: Map<string, (title: string) => void> | null = null;

function pageTitle(id: string): Promise<string> {
  if (!pageTitles.has(id)) {
    pageTitles.set(id, new Promise<string>((resolve) => {
      if (wanted === null) {
        wanted = new Map();
        queueMicrotask(() => {
          const batch = [...wanted!];
          wanted = null;
          for (let start = 0; start < batch.length; start += 200) {  // the API takes 200 ids at a time
            const part = batch.slice(start, start + 200);
            api<Record<string, string | null>>("GET", `/pages/titles?ids=${part.map(([key]) => key).join(",")}`)
              .then((titles) => part.forEach(([key, done]) => done(titles[key] ?? "No access")))
              .catch(() => part.forEach(([, done]) => done("No access")));
          }
        });
      }
      wanted.set(id, resolve);
    }));
  }
  return pageTitles.get(id)!;
}

export function createMention(workspaceId: number, live = false, pageId?: number) {
  const menu = new FloatingMenu<MentionChoice>("Mention a person or a page", "No one and no page matches");
  return Mention.extend({
    priority: 1000,
    addAttributes() {
      return {
        ...this.parent?.(),
        kind: {
          default: "user",
          parseHTML: (el: HTMLElement) => (el.getAttribute("data-kind") === "page" ? "page" : "user"),
          renderHTML: (attrs: Record<string, unknown>) => ({ "data-kind": attrs.kind }),
        },
      };
    },
    addNodeView() {
      return ({ node }) => {
        const dom = document.createElement(node.attrs.kind === "page" ? "a" : "span");
        dom.className = "mention mention-" + node.attrs.kind;
        dom.dataset.type = "mention";
        dom.dataset.kind = node.attrs.kind;
        dom.dataset.id = node.attrs.id;
        if (node.attrs.kind === "page" && /^\d+$/.test(String(node.attrs.id))) (dom as HTMLAnchorElement).href = `/web/pages/${node.attrs.id}`;
        dom.textContent = (node.attrs.kind === "page" ? "↗ " : "@") + (node.attrs.label ?? "");
        // someone mentioned here who may not read the page: said on the mention (drawn by CSS, not text)
        if (node.attrs.kind === "user" && pageId && /^\d+$/.test(String(node.attrs.id))) {
          void canRead(pageId, Number(node.attrs.id)).then((readable) => {
            if (!readable) {
              dom.classList.add("mention-no-access");
              dom.dataset.access = "No access";
              dom.title = "No access to this page: not notified";
            }
          });
        }
        if (node.attrs.kind === "page" && !node.attrs.label && /^\d+$/.test(String(node.attrs.id))) {
          dom.textContent = "↗ …";
          void pageTitle(String(node.attrs.id)).then((title) => (dom.textContent = "↗ " + title));
        }
        return { dom };
      };
    },
  }).configure({
    suggestion: {
      char: "@",
      pluginKey: new PluginKey("mention"),
      items: ({ query, signal }: any) => search(query, workspaceId, pageId, signal),
      command: async ({ editor, range, props }: any) => {
        menu.hide();
        if (props.person && !props.person.can_read && pageId) {
          const near = editor.view.coordsAtPos(range.from);
          const mention = await confirmMention(props.person, pageId, Boolean(props.canShare), new DOMRect(near.left, near.top, 0, near.bottom - near.top));
          if (!mention) {
            editor.chain().focus().run();
            return;
          }
        }
        editor
          .chain()
          .focus()
          .insertContentAt(range, [
            { type: "mention", attrs: { id: String(props.id), label: live && props.kind === "page" ? "" : props.label, kind: props.kind } },
            { type: "text", text: " " },
          ])
          .run();
      },
      render: () => ({
        onStart: (props: any) => menu.show(props.items, props.clientRect?.() ?? null, (item) => props.command(item)),
        onUpdate: (props: any) => menu.show(props.items, props.clientRect?.() ?? null, (item) => props.command(item)),
        onKeyDown: ({ event }: any) => {
          if (event.key === "Escape") {
            menu.hide();
            return true;
          }
          return menu.onKeyDown(event);
        },
        onExit: () => menu.hide(),
      }),
    },
  } as any);
}
