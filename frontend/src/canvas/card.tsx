// What a page or database card shows inside the canvas: the server decides, per viewer (icon, title, first lines,
// or a small table of a database's first rows), and says "No access" for what the viewer cannot read.
export interface Card {
  card: "page" | "database";
  id: number;
  access: boolean;
  title: string;
  icon: string;
  lines: string[];
  url: string | null;
  archived?: boolean;
  table?: { columns: string[]; rows: string[][]; more: boolean } | null;
}

export function CardView({ card }: { card: Card | undefined }) {
  if (!card) return <div className="workos-card is-loading" data-card-state="loading">Loading…</div>;
  if (!card.access) {
    return (
      <div className="workos-card is-hidden" data-card-state="no-access">
        <span className="workos-card-title">No access</span>
      </div>
    );
  }
  return (
    <div className="workos-card" data-card-state="open" data-card-url={card.url ?? ""} title="Double-click to open">
      <div className="workos-card-head">
        <span className="workos-card-icon" aria-hidden="true">{card.icon || (card.card === "database" ? "▦" : "📄")}</span>
        <span className="workos-card-title">{card.title}</span>
        {card.archived ? <span className="workos-card-badge">In the trash</span> : null}
      </div>
      {card.lines.map((line, index) => <p className="workos-card-line" key={index}>{line}</p>)}
      {card.table ? (
        <table className="workos-card-table">
          <thead><tr>{card.table.columns.map((column, index) => <th key={index}>{column}</th>)}</tr></thead>
          <tbody>{card.table.rows.map((row, index) => <tr key={index}>{row.map((cell, column) => <td key={column}>{cell}</td>)}</tr>)}</tbody>
        </table>
      ) : null}
    </div>
  );
}
