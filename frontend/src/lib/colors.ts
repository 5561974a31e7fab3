// The colour that stands for a person on live pages and canvases (carets, pointers, avatars): the same person has
// the same colour everywhere, for everybody. These are data colours (one per person), not theme colours.
const COLORS = ["#d9480f", "#2b8a3e", "#1971c2", "#9c36b5", "#c2255c", "#e67700", "#0c8599", "#5f3dc4"];

export function colorFor(id: number): string {
  return COLORS[Math.abs(id) % COLORS.length];
}
