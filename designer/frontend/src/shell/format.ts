// Values as a person reads them: times in the user's zone, enums by their label.
import type { FieldInfo } from "../api/types";

export function formatDateTime(iso: string, timeZone: string, locale: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  }).format(date);
}

export function formatDuration(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${s % 60}s`;
}

export function formatValue(value: unknown, field: FieldInfo | undefined, timeZone: string, locale: string): string {
  if (value === null || value === undefined || value === "") return "—";
  if (field?.options) {
    const option = field.options.find((o) => o.value === value);
    if (option) return option.label;
  }
  if (Array.isArray(value)) return value.map((v) => formatValue(v, field, timeZone, locale)).join(", ");
  if (field?.type === "datetime" && typeof value === "string") return formatDateTime(value, timeZone, locale);
  if (field?.type === "duration" && typeof value === "number") return formatDuration(value);
  if (field?.type === "boolean") return value ? "✓" : "✗";
  if (field?.type === "reference") return `#${String(value)}`;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function textIn(text: Record<string, string> | string | null | undefined, locale: string): string {
  if (!text) return "";
  if (typeof text === "string") return text;
  return text[locale] ?? text.en ?? Object.values(text)[0] ?? "";
}
