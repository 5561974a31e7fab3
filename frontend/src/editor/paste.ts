// Pasting Markdown gives blocks (headings, lists, to-dos, quotes, code), pasting plain text gives one paragraph
// per line. Rich HTML from other pages goes through ProseMirror's own parser.

import { Extension } from "@tiptap/core";
import { Plugin, PluginKey } from "@tiptap/pm/state";

const BLOCK_SYNTAX = /^(#{1,6}\s|\s*[-*+]\s|\s*\d+[.)]\s|>\s?|```|\s*[-*+]\s\[[ xX]\]\s|(-{3,}|\*{3,}|_{3,})\s*$)/m;
const INLINE_SYNTAX = /(\*\*[^*\n]+\*\*|__[^_\n]+__|`[^`\n]+`|\[[^\]\n]+\]\([^)\s]+\)|~~[^~\n]+~~)/;

export function looksLikeMarkdown(text: string): boolean {
  return BLOCK_SYNTAX.test(text) || INLINE_SYNTAX.test(text);
}

/** HTML that is only a wrapper around text (code editors, terminals) is treated as text. */
function isPlainHtml(html: string): boolean {
  if (!html) return true;
  return /vscode|data-pm-slice/.test(html) === false && !/<(h[1-6]|ul|ol|li|blockquote|pre|table|strong|b|em|i|a)\b/i.test(html);
}

export const MarkdownPaste = Extension.create({
  name: "markdownPaste",
  addProseMirrorPlugins() {
    const editor = this.editor;
    return [
      new Plugin({
        key: new PluginKey("markdownPaste"),
        props: {
          handlePaste(view, event) {
            const data = event.clipboardData;
            if (!data) return false;
            const text = data.getData("text/plain");
            const html = data.getData("text/html");
            if (!text || view.state.selection.$from.parent.type.spec.code) return false;
            if (html && (/data-pm-slice/.test(html) || !isPlainHtml(html))) return false;
            if (!looksLikeMarkdown(text) || !(editor as any).markdown) return false;
            const json = (editor as any).markdown.parse(text.replace(/\r\n?/g, "\n"));
            const content = json?.content ?? [];
            if (!content.length) return false;
            editor.chain().focus().insertContent(content).run();
            return true;
          },
        },
      }),
    ];
  },
});
