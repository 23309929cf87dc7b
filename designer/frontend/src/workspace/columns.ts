// Which fields a list shows when no view names them: the title, then a few short fields.
import type { FieldInfo, ObjectInfo } from "../api/types";

const SHORT = new Set(["string", "enum", "integer", "decimal", "boolean", "date", "datetime", "reference", "email"]);

export function defaultColumns(info: ObjectInfo, max = 6): string[] {
  const columns: string[] = ["id"];
  if (info.title_field) columns.push(info.title_field);
  for (const f of info.fields) {
    if (columns.length >= max) break;
    if (f.system || columns.includes(f.name) || !SHORT.has(f.type)) continue;
    columns.push(f.name);
  }
  columns.push("updated_at");
  return columns;
}

export function fieldMap(info: ObjectInfo | undefined): Map<string, FieldInfo> {
  return new Map((info?.fields ?? []).map((f) => [f.name, f]));
}

/** Enum fields shown in the list: each gets a filter. */
export function filterableFields(info: ObjectInfo, columns: string[]): FieldInfo[] {
  const fields = fieldMap(info);
  return columns.map((c) => fields.get(c)).filter((f): f is FieldInfo => !!f && f.type === "enum" && !!f.options);
}
