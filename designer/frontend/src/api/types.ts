// Shapes of the answers the app reads (docs/api.md); the server answers plain JSON objects.
export type Text = Record<string, string>;
export type RecordData = Record<string, unknown> & { id: number; version: number };

export interface User {
  id: number;
  name: string;
  display_name: string | null;
  roles: string[];
  teams: string[];
  locale?: string | null;
  time_zone?: string | null;
}
export interface Me { user: User; scopes: string[]; via: string; csrf_token?: string }

export interface ObjectSummary { name: string; label: string; plural: string; description: string | null }
export interface FieldInfo {
  name: string;
  type: string;
  label: string;
  help: string | null;
  required: boolean;
  read_only: boolean;
  system: boolean;
  options?: { value: string; label: string; color: string | null }[];
  reference_to?: string;
}
export interface Conversation {
  object: string;
  reference: string;
  body: string;
  kind?: string | null;
  public?: string | null;
  internal?: string | null;
}
export interface ObjectInfo extends ObjectSummary {
  title_field: string | null;
  fields: FieldInfo[];
  form: string | null;
  form_purpose?: string | null;
  payload_schemas?: { create?: Record<string, unknown>; update?: { properties?: Record<string, unknown> } };
  schema: Record<string, unknown>;
  uiSchema: Record<string, unknown>;
  conversation?: Conversation | null;
}
export interface Page<T = RecordData> { items: T[]; total: number; limit: number; offset: number; next: string | null }
export interface HistoryItem {
  id: number;
  change_id: string;
  action: string;
  field: string | null;
  old: unknown;
  new: unknown;
  actor: string | null;
  at: string;
  note: string | null;
}
export interface Transition { name: string; label: Text; to: string; require: string[]; roles: string[] }
export interface BlockedTransition extends Transition { reason?: string; failed?: string }
export interface Transitions { state: string; version: number; transitions: Transition[]; blocked: BlockedTransition[] }
export interface SlaClock {
  metric: string;
  status: string;
  target_seconds: number;
  remaining_seconds: number;
  percent: number;
  due_at: string | null;
  breached: boolean;
  met: boolean | null;
  warning?: boolean;
}
export interface View {
  name: string;
  object: string;
  label: string;
  columns: string[];
  sort?: string;
  count?: number;
  refresh_seconds?: number;
}
export interface ReportInfo {
  name: string;
  object: string;
  label: Text;
  description: Text | null;
  date_field: string | null;
  dimensions: string[];
  measures: string[];
}
export interface ReportColumn { name: string; label: Text; type: string; kind: "dimension" | "measure" }
export interface ReportResult { columns: ReportColumn[]; rows: Record<string, unknown>[]; totals: Record<string, unknown> | null }
