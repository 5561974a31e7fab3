// Server-rendered page HTML (shared pages): equations are LaTeX text in .math-display / .math-inline elements;
// KaTeX renders them here, and canvas embeds get their preview (as this viewer may see it), so the read-only view
// shows what the editor shows.

import "./rendered.css";
import { renderMathIn } from "./latex";
import { renderCanvasEmbedsIn } from "../canvas/embed";

function render() {
  document.querySelectorAll(".workos-rendered").forEach((root) => {
    renderMathIn(root);
    renderCanvasEmbedsIn(root);
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
else render();
