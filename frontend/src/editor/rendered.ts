// Server-rendered page HTML (shared pages): equations are LaTeX text in .math-display / .math-inline elements;
// KaTeX renders them here, so the read-only view shows what the editor shows.

import "./rendered.css";
import { renderMathIn } from "./latex";

function render() {
  document.querySelectorAll(".workos-rendered").forEach((root) => renderMathIn(root));
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
else render();
