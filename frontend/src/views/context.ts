// What every view body (table, board, calendar, list, gallery) gets from the page controller (main.ts).

import type { Selection } from "./bulk";
import type { EditorContext } from "./cells";
import type { Group, Member, Prop, Row, RowsAnswer, View, ViewConfig } from "./types";

export interface ViewContext {
  root: HTMLElement;
  view: View;
  properties: Prop[];
  props: Map<number, Prop>;
  titleProp: Prop;
  rows: Row[];
  answer: RowsAnswer | null;
  members: Member[];
  canEditRows: boolean;
  canChangeView: boolean;
  editor: EditorContext;
  /** Visible properties in the view's order (the title first when the view has not placed it). */
  columns(): { prop: Prop; width: number | null }[];
  groupLabel(key: string): Group | undefined;
  updateRow(row: Row, values: Record<string, unknown>): Promise<boolean>;
  createRow(values: Record<string, unknown>): Promise<Row | null>;
  rowMenu(anchor: HTMLElement, row: Row): void;
  propertyMenu(anchor: HTMLElement, prop: Prop): void;
  addProperty(anchor: HTMLElement): void;
  saveConfig(config: Partial<ViewConfig>): Promise<boolean>;
  fetchRows(params: Record<string, string>): Promise<RowsAnswer | null>;
  loadMore(): Promise<void>;
  /** Ask the server for the exact count of a view whose count is bounded ("10,000+"). */
  countExactly(): Promise<void>;
  pageUrl(row: Row): string;
  /** The rows selected for a bulk change (table view). */
  selection: Selection;
  /** Whether the search box narrows the rows (then "all matching" is not offered: a search is not a filter). */
  searching: boolean;
  /** Set values on the selected rows; true when saved. */
  bulkSet(values: Record<string, unknown>): Promise<boolean>;
  /** Move the selected rows to the trash, after a confirmation, with an Undo. */
  bulkDelete(): Promise<void>;
  rerender(): void;
}
