// Enter, Backspace, Tab and Shift-Tab as in Notion, plus moving blocks from the keyboard. Lists get their own
// Enter/Tab from TipTap's list extensions; this adds the rest: nesting any block under the one above it,
// toggles, and turning a styled block back into text with Backspace.

import { Extension } from "@tiptap/core";
import { Fragment } from "@tiptap/pm/model";
import { TextSelection } from "@tiptap/pm/state";
import { blockAtSelection, moveBlock, unwrapToggle } from "./commands";
import { openBlockMenu } from "./handle";

const ITEM_TYPES = new Set(["listItem", "taskItem"]);
const LIST_TYPES = new Set(["bulletList", "orderedList", "taskList"]);
const TEXT_STYLES = new Set(["heading", "quote", "callout"]);

export const NotionKeys = Extension.create({
  name: "notionKeys",
  // Above the default keymaps (which would join a heading into the line above on Backspace), below the
  // slash and mention menus (Enter, Tab and Escape belong to an open menu). Inside lists it defers to them.
  priority: 900,
  addKeyboardShortcuts() {
    const editor = this.editor;

    /** Move the block at the cursor into the block above it (a toggle or a list item). */
    const nest = (): boolean => {
      const { state } = editor;
      const block = blockAtSelection(state);
      if (!block || block.index === 0) return false;
      const previous = block.parent.child(block.index - 1);
      const previousPos = block.pos - previous.nodeSize;
      const offset = state.selection.from - block.pos;
      let targetEnd: number | null = null;
      if (previous.type.name === "toggle") {
        targetEnd = previousPos + previous.nodeSize - 1;
      } else if (LIST_TYPES.has(previous.type.name)) {
        const lastItem = previous.lastChild!;
        targetEnd = previousPos + previous.nodeSize - 2; // end of the last item's content
        if (!lastItem) return false;
      } else if (ITEM_TYPES.has(previous.type.name)) {
        targetEnd = previousPos + previous.nodeSize - 1;
      }
      if (targetEnd === null) return false;
      let tr = state.tr.delete(block.pos, block.pos + block.node.nodeSize);
      tr = tr.insert(targetEnd, block.node);
      if (previous.type.name === "toggle" && previous.attrs.collapsed) tr.setNodeAttribute(previousPos, "collapsed", false);
      tr.setSelection(TextSelection.near(tr.doc.resolve(Math.min(targetEnd + offset, tr.doc.content.size))));
      editor.view.dispatch(tr.scrollIntoView());
      return true;
    };

    /** Move a block that sits inside a toggle or a list item out, right after its container. */
    const unnest = (): boolean => {
      const { state } = editor;
      const block = blockAtSelection(state);
      if (!block || block.depth < 2) return false;
      const container = block.parent;
      if (container.type.name !== "toggle" && !ITEM_TYPES.has(container.type.name)) return false;
      const { $from } = state.selection;
      let containerDepth = block.depth - 1;
      let outerDepth = containerDepth;
      // Out of a list item: go past the list as well, so the block lands beside the list, not inside it.
      if (ITEM_TYPES.has(container.type.name)) outerDepth = containerDepth - 1;
      const after = $from.after(outerDepth);
      const offset = state.selection.from - block.pos;
      let tr = state.tr.delete(block.pos, block.pos + block.node.nodeSize);
      const insertAt = tr.mapping.map(after);
      tr = tr.insert(insertAt, block.node);
      tr.setSelection(TextSelection.near(tr.doc.resolve(insertAt + offset)));
      editor.view.dispatch(tr.scrollIntoView());
      return true;
    };

    return {
      Tab: () => {
        if (editor.isActive("codeBlock")) return false; // the code block indents
        if (editor.isActive("table")) return false; // the table moves between cells
        if (editor.isActive("listItem") && editor.can().sinkListItem("listItem")) return editor.commands.sinkListItem("listItem");
        if (editor.isActive("taskItem") && editor.can().sinkListItem("taskItem")) return editor.commands.sinkListItem("taskItem");
        nest();
        return true; // keep the focus in the editor, as Notion does (Escape leaves it)
      },
      "Shift-Tab": () => {
        if (editor.isActive("codeBlock") || editor.isActive("table")) return false;
        const { $from } = editor.state.selection;
        const inItemText = ITEM_TYPES.has($from.node($from.depth - 1)?.type.name) && $from.index($from.depth - 1) === 0;
        if (inItemText) {
          const item = $from.node($from.depth - 1).type.name;
          if (editor.commands.liftListItem(item)) return true;
        }
        unnest();
        return true;
      },
      Enter: () => {
        const { state } = editor;
        const { $from, empty } = state.selection;
        if (!empty) return false;
        const parent = $from.parent;
        // In a toggle's summary: the new line is its first child (open) or the next block (closed).
        if (parent.type.name === "toggleSummary") {
          const toggleDepth = $from.depth - 1;
          const toggle = $from.node(toggleDepth);
          const togglePos = $from.before(toggleDepth);
          const rest = parent.content.cut($from.parentOffset);
          const paragraph = state.schema.nodes.paragraph.create(null, rest);
          let tr = state.tr.delete($from.pos, $from.end());
          if (toggle.attrs.collapsed) {
            const at = tr.mapping.map(togglePos + toggle.nodeSize);
            tr = tr.insert(at, paragraph);
            tr.setSelection(TextSelection.create(tr.doc, at + 1));
          } else {
            const at = tr.mapping.map($from.after());
            tr = tr.insert(at, paragraph);
            tr.setSelection(TextSelection.create(tr.doc, at + 1));
          }
          editor.view.dispatch(tr.scrollIntoView());
          return true;
        }
        // An empty last line inside a toggle: leave the toggle.
        if (parent.type.name === "paragraph" && parent.content.size === 0 && $from.depth >= 2) {
          const container = $from.node($from.depth - 1);
          if (container.type.name === "toggle" && $from.index($from.depth - 1) === container.childCount - 1) {
            return unnest();
          }
        }
        // Enter in an empty styled line turns it back into text, as Notion does.
        if (TEXT_STYLES.has(parent.type.name) && parent.content.size === 0) {
          return editor.commands.setNode("paragraph");
        }
        return false;
      },
      Backspace: () => {
        const { state } = editor;
        const { $from, empty } = state.selection;
        if (!empty || $from.parentOffset !== 0) return false;
        const parent = $from.parent;
        if (TEXT_STYLES.has(parent.type.name)) return editor.commands.setNode("paragraph");
        if (parent.type.name === "codeBlock" && parent.content.size === 0) return editor.commands.setNode("paragraph");
        if (parent.type.name === "toggleSummary") return unwrapToggle(editor);
        // A block nested in a toggle: Backspace at its start first takes it out, as in Notion.
        if (parent.type.name === "paragraph" && $from.depth >= 2 && $from.node($from.depth - 1).type.name === "toggle" && $from.index($from.depth - 1) > 0) {
          return false;
        }
        return false;
      },
      "Mod-Shift-ArrowUp": () => moveBlock(editor, -1),
      "Mod-Shift-ArrowDown": () => moveBlock(editor, 1),
      "Alt-Shift-ArrowUp": () => moveBlock(editor, -1),
      "Alt-Shift-ArrowDown": () => moveBlock(editor, 1),
      "Mod-d": () => {
        const block = blockAtSelection(editor.state);
        if (!block) return false;
        editor.view.dispatch(editor.state.tr.insert(block.pos + block.node.nodeSize, Fragment.from(block.node.copy(block.node.content))));
        return true;
      },
      // The block menu (turn into, move, duplicate, delete) from the keyboard.
      "Mod-/": () => {
        const block = blockAtSelection(editor.state);
        if (!block) return false;
        const dom = editor.view.nodeDOM(block.pos) as HTMLElement | null;
        if (!dom) return false;
        openBlockMenu(editor, dom, block.pos);
        return true;
      },
      Escape: () => {
        (editor.view.dom as HTMLElement).blur();
        return true;
      },
    };
  },
});
