// Equations: a display equation block and an inline equation, both holding LaTeX and rendered with KaTeX.
// The server keeps the LaTeX as text inside elements of class "math-display" / "math-inline" (its HTML goes
// through its sanitiser); renderMathIn() renders those wherever server HTML is shown (shared pages).

import { InputRule, Node, mergeAttributes } from "@tiptap/core";
import type { Node as PMNode } from "@tiptap/pm/model";
import { NodeSelection, TextSelection } from "@tiptap/pm/state";
import { renderLatex } from "./latex";

function setLatex(editor: any, getPos: any, latex: string) {
  const pos = typeof getPos === "function" ? getPos() : undefined;
  if (pos === undefined) return;
  editor.view.dispatch(editor.state.tr.setNodeAttribute(pos, "latex", latex));
}

/** A display equation: the rendered formula; selecting it (or a new, empty one) opens its LaTeX below. */
export const EquationBlock = Node.create({
  name: "equationBlock",
  group: "block",
  atom: true,
  selectable: true,
  addAttributes() {
    return { latex: { default: "", parseHTML: (el: HTMLElement) => el.textContent || "" } };
  },
  parseHTML() {
    return [{ tag: "div.math-display" }];
  },
  renderHTML({ node, HTMLAttributes }) {
    return ["div", mergeAttributes(HTMLAttributes, { class: "math-display" }), node.attrs.latex];
  },
  addNodeView() {
    return ({ node, getPos, editor }) => {
      const dom = document.createElement("div");
      dom.className = "block-equation";
      dom.contentEditable = "false";
      const rendered = document.createElement("div");
      rendered.className = "equation-rendered";
      const source = document.createElement("textarea");
      source.className = "equation-source";
      source.rows = 2;
      source.spellcheck = false;
      source.placeholder = "E = mc^2";
      source.setAttribute("aria-label", "Equation (LaTeX)");
      source.hidden = true;
      dom.append(rendered, source);
      let current = node;
      const paint = (n: PMNode) => {
        if (n.attrs.blockId) dom.dataset.blockId = n.attrs.blockId;
        renderLatex(rendered, n.attrs.latex || "", true);
      };
      const open = () => {
        if (!editor.isEditable) return;
        source.hidden = false;
        source.value = current.attrs.latex || "";
        source.focus();
      };
      const close = (moveOn: boolean) => {
        if (source.hidden) return;
        source.hidden = true;
        if (source.value !== (current.attrs.latex || "")) setLatex(editor, getPos, source.value);
        if (moveOn) {
          const pos = typeof getPos === "function" ? getPos() : undefined;
          if (pos !== undefined) {
            const after = pos + current.nodeSize;
            const next = editor.state.doc.resolve(Math.min(after, editor.state.doc.content.size)).nodeAfter;
            const tr = editor.state.tr;
            if (!next || !next.isTextblock) tr.insert(after, editor.schema.nodes.paragraph.create());
            tr.setSelection(TextSelection.create(tr.doc, after + 1));
            editor.view.dispatch(tr);
            editor.view.focus();
          }
        }
      };
      rendered.addEventListener("click", open);
      source.addEventListener("input", () => renderLatex(rendered, source.value, true));
      source.addEventListener("keydown", (event) => {
        if ((event.key === "Enter" && (event.metaKey || event.ctrlKey)) || event.key === "Escape") {
          event.preventDefault();
          close(true);
        }
      });
      source.addEventListener("blur", () => close(false));
      paint(node);
      if (!node.attrs.latex && editor.isEditable) requestAnimationFrame(open);
      return {
        dom,
        update: (updated: PMNode) => {
          if (updated.type !== current.type) return false;
          current = updated;
          if (source.hidden) paint(updated);
          return true;
        },
        selectNode: () => {
          dom.classList.add("is-selected");
          open();
        },
        deselectNode: () => dom.classList.remove("is-selected"),
        stopEvent: (event: Event) => event.target === source,
        ignoreMutation: () => true,
      };
    };
  },
});

/** An inline equation: `$E=mc^2$` typed in text becomes one; clicking it edits its LaTeX in place. */
export const InlineEquation = Node.create({
  name: "inlineEquation",
  group: "inline",
  inline: true,
  atom: true,
  selectable: true,
  addAttributes() {
    return { latex: { default: "", parseHTML: (el: HTMLElement) => el.textContent || "" } };
  },
  parseHTML() {
    return [{ tag: "span.math-inline" }];
  },
  renderHTML({ node, HTMLAttributes }) {
    return ["span", mergeAttributes(HTMLAttributes, { class: "math-inline" }), node.attrs.latex];
  },
  renderText({ node }) {
    return node.attrs.latex;
  },
  addInputRules() {
    return [
      new InputRule({
        // $…$ with no space just inside the dollars (as the Markdown reader); not $$ (a display equation)
        find: /(^|[^$\\])\$([^\s$](?:[^$]*[^\s$\\])?)\$$/,
        handler: ({ state, range, match }) => {
          const start = range.from + match[1].length;
          state.tr.replaceWith(start, range.to, this.type.create({ latex: match[2] }));
        },
      }),
    ];
  },
  addNodeView() {
    return ({ node, getPos, editor }) => {
      const dom = document.createElement("span");
      dom.className = "inline-equation";
      dom.contentEditable = "false";
      const rendered = document.createElement("span");
      const source = document.createElement("input");
      source.className = "inline-equation-source";
      source.setAttribute("aria-label", "Equation (LaTeX)");
      source.hidden = true;
      dom.append(rendered, source);
      let current = node;
      renderLatex(rendered, node.attrs.latex || "", false);
      const close = () => {
        if (source.hidden) return;
        source.hidden = true;
        rendered.hidden = false;
        const pos = typeof getPos === "function" ? getPos() : undefined;
        if (pos === undefined) return;
        if (!source.value.trim()) {
          editor.view.dispatch(editor.state.tr.delete(pos, pos + current.nodeSize));
        } else if (source.value !== current.attrs.latex) {
          setLatex(editor, getPos, source.value);
        }
        editor.view.focus();
      };
      const open = () => {
        if (!editor.isEditable || !source.hidden) return;
        source.value = current.attrs.latex || "";
        source.size = Math.max(4, source.value.length + 1);
        rendered.hidden = true;
        source.hidden = false;
        source.focus();
      };
      dom.addEventListener("click", open);
      source.addEventListener("input", () => (source.size = Math.max(4, source.value.length + 1)));
      source.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === "Escape") {
          event.preventDefault();
          close();
        }
      });
      source.addEventListener("blur", close);
      if (!node.attrs.latex && editor.isEditable) requestAnimationFrame(open);
      return {
        dom,
        update: (updated: PMNode) => {
          if (updated.type !== current.type) return false;
          if (updated.attrs.latex !== current.attrs.latex) renderLatex(rendered, updated.attrs.latex || "", false);
          current = updated;
          return true;
        },
        stopEvent: (event: Event) => event.target === source,
        ignoreMutation: () => true,
      };
    };
  },
});

/** Turn the selected text into an inline equation whose LaTeX is that text (the toolbar's ∑ button). */
export function selectionToEquation(editor: any): boolean {
  const { state } = editor;
  const { from, to, empty } = state.selection;
  if (state.selection instanceof NodeSelection) return false;
  const latex = empty ? "" : state.doc.textBetween(from, to, " ");
  const tr = state.tr.replaceWith(from, to, state.schema.nodes.inlineEquation.create({ latex: latex.trim() }));
  editor.view.dispatch(tr);
  return true;
}
