// The shapes of /api/v1 answers the database views use (see ipai_workos_db/api.py and ipai_workos_views/api.py).

export interface Option {
  id: string;
  name: string;
  color: string;
  group?: string;
}

export interface Prop {
  id: number;
  name: string;
  type: string;
  config: Record<string, any>;
  editable: boolean;
  computed: boolean;
  operators: string[];
}

export interface Condition {
  property: number;
  operator: string;
  value: unknown;
}
export type FilterNode = Condition | { and: FilterNode[] } | { or: FilterNode[] };

export interface Sort {
  property: number;
  direction: "ascending" | "descending";
}

export interface Column {
  property: number;
  visible: boolean;
  width: number | null;
}

export interface ViewConfig {
  filter: FilterNode | null;
  sorts: Sort[];
  group_by: { property: number; hide_empty: boolean } | null;
  properties: Column[];
  calculations: Record<string, string>;
  date_property: number | null;
  calendar_mode: "month" | "week";
  cover: "page" | "none" | number;
}

export interface View {
  id: number;
  database_id: number;
  name: string;
  type: string;
  config: ViewConfig;
  personal: boolean;
  owner_id: number | null;
  url: string;
  icon: string;
  can_change: boolean;
}

export interface Row {
  id: number;
  page_id: number;
  number: number;
  title: string;
  values: Record<string, any>;
  display: Record<string, string>;
  errors: Record<string, string>;
  /** per relation property: how many linked rows the viewer can read (a list of rows holds the first ones in values) */
  relation_totals?: Record<string, number>;
  group?: string | null;
}

export interface Group {
  key: string;
  label: string;
  color: string | null;
  count: number;
  status_group?: string | null;
}

export interface RowsAnswer {
  view: View;
  items: Row[];
  count: number | null;
  /** false: there are more than `count` rows ("10,000+"); ask with exact_count=true */
  count_exact?: boolean | null;
  next_cursor: string | null;
  groups: Group[] | null;
  footer: Record<string, { function: string; value: unknown; display: string }>;
}

export interface Member {
  id: number;
  name: string;
}

export interface PageData {
  database: { id: number; title: string; icon: string; can_edit: boolean; archived_at: string | null; space_id: number };
  properties: Prop[];
  views: View[];
  view_id: number | null;
  members: Member[];
  user_id: number;
  view_types: { type: string; label: string; icon: string }[];
  /** the property types the server registered (a module may add some, e.g. the suite's review status) */
  property_types?: { type: string; label: string }[];
}
