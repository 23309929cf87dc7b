// ``datetime`` fields in the user's time zone (the API speaks UTC; the browser's own zone may
// differ from the one the user picked).
import type { WidgetProps } from "@rjsf/utils";
import { useLocaleAndZone } from "../shell/session";

function wallParts(utcMs: number, timeZone: string): number[] {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return [get("year"), get("month"), get("day"), get("hour"), get("minute")];
}

/** "YYYY-MM-DDTHH:mm" on the wall in ``timeZone`` for a UTC instant. */
export function toWallTime(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return "";
  const [y, mo, d, h, mi] = wallParts(ms, timeZone);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}`;
}

/** The UTC instant (ISO, Z) of a wall time in ``timeZone``. */
export function fromWallTime(wall: string, timeZone: string): string | null {
  const m = wall.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/);
  if (!m) return null;
  const asUtc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {  // twice: the offset may differ across a DST change
    const [y, mo, d, h, mi] = wallParts(guess, timeZone);
    guess = asUtc - (Date.UTC(y, mo - 1, d, h, mi) - Math.floor(guess / 60000) * 60000);
  }
  return new Date(guess).toISOString().replace(".000Z", "Z");
}

export function DateTimeWidget({ id, value, required, readonly, disabled, onChange }: WidgetProps) {
  const { timeZone } = useLocaleAndZone();
  return (
    <input id={id} type="datetime-local" required={required} readOnly={readonly} disabled={disabled}
      value={typeof value === "string" ? toWallTime(value, timeZone) : ""}
      onChange={(e) => onChange(e.target.value ? fromWallTime(e.target.value, timeZone) : null)} />
  );
}
