// The total under a table, list or gallery: "1,234 rows", or "10,000+ rows" with "Count exactly" when the
// server counted only up to its bound (count_exact false) — a number is never shown as exact when it is not.

import type { ViewContext } from "./context";
import { button, h } from "./ui";

export function rowTotal(context: ViewContext): HTMLElement | null {
  const answer = context.answer;
  if (!answer || answer.count === null || answer.count === undefined) return null;
  const count = answer.count.toLocaleString("en-US");
  if (answer.count_exact === false) {
    return h("p", { class: "dbv-total", "data-count-exact": "false" }, `${count}+ rows `,
      button("Count exactly", () => void context.countExactly(), { class: "dbv-count-exactly", "data-action": "count-exactly" }));
  }
  return h("p", { class: "dbv-total", "data-count-exact": "true" }, `${count} row${answer.count === 1 ? "" : "s"}`);
}
