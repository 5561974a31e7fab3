// KaTeX rendering of LaTeX, shared by the editor's equation nodes and the read-only (server-rendered) view.
// The server keeps the LaTeX as text inside elements of class "math-display" / "math-inline".

import katex from "katex";
import "katex/dist/katex.min.css";

/** Render `latex` into `element` (a KaTeX error shows the source, marked, instead of throwing). */
export function renderLatex(element: HTMLElement, latex: string, displayMode: boolean) {
  element.classList.toggle("math-empty", !latex.trim());
  if (!latex.trim()) {
    element.textContent = displayMode ? "Add an equation" : "Equation";
    return;
  }
  try {
    katex.render(latex, element, { displayMode, throwOnError: false, trust: false, strict: "ignore", maxSize: 50, maxExpand: 1000 });
  } catch {
    element.textContent = latex;
  }
}

/** Render the equations in server-rendered HTML (the LaTeX is the elements' text). */
export function renderMathIn(root: ParentNode) {
  root.querySelectorAll<HTMLElement>(".math-display, .math-inline").forEach((element) => {
    if (element.dataset.rendered) return;
    const latex = element.textContent ?? "";
    element.dataset.rendered = "true";
    element.title = latex;
    renderLatex(element, latex, element.classList.contains("math-display"));
  });
}
