// One timeline of a record: its conversation (replies, notes, mail in and out) and its history
// (field changes, automation and SLA notes), oldest first.
import { useTranslation } from "react-i18next";
import type { FieldInfo, HistoryItem, ObjectInfo, RecordData } from "../api/types";
import { formatDateTime, formatValue } from "../shell/format";
import { useSession } from "../shell/session";

type Entry =
  | { at: string; kind: "message"; record: RecordData }
  | { at: string; kind: "change"; rows: HistoryItem[] };

export function Timeline({ info, messageInfo, history, messages }: {
  info: ObjectInfo;
  messageInfo?: ObjectInfo;
  history: HistoryItem[];
  messages: RecordData[];
}) {
  const { t } = useTranslation();
  const { timeZone, locale } = useSession();
  const fields = new Map(info.fields.map((f) => [f.name, f]));
  const conversation = info.conversation;
  const entries: Entry[] = [];
  const byChange = new Map<string, HistoryItem[]>();
  for (const row of history) {
    const rows = byChange.get(row.change_id) ?? [];
    rows.push(row);
    byChange.set(row.change_id, rows);
  }
  for (const rows of byChange.values()) entries.push({ at: rows[0].at, kind: "change", rows });
  for (const record of messages) entries.push({ at: String(record.created_at), kind: "message", record });
  entries.sort((a, b) => a.at.localeCompare(b.at));

  const kindField: FieldInfo | undefined = conversation?.kind
    ? messageInfo?.fields.find((f) => f.name === conversation.kind) : undefined;

  return (
    <ol className="timeline" aria-label={t("timeline")}>
      {entries.map((entry) => {
        if (entry.kind === "message") {
          const r = entry.record;
          const kindValue = conversation?.kind ? r[conversation.kind] : null;
          const internal = !!conversation?.internal && kindValue === conversation.internal;
          return (
            <li key={`m${r.id}`} className={`entry message ${internal ? "internal" : "public"}`}>
              <div className="meta">
                <span className="tag">{kindField ? formatValue(kindValue, kindField, timeZone, locale) : messageInfo?.label}</span>
                <span>{String(r.created_by ?? "")}</span>
                <time dateTime={entry.at}>{formatDateTime(entry.at, timeZone, locale)}</time>
              </div>
              <div className="body">{String(conversation ? r[conversation.body] ?? "" : "")}</div>
            </li>
          );
        }
        return (
          <li key={`c${entry.rows[0].id}`} className="entry change">
            <div className="meta">
              <span>{entry.rows[0].actor ?? ""}</span>
              <time dateTime={entry.at}>{formatDateTime(entry.at, timeZone, locale)}</time>
            </div>
            <ul>
              {entry.rows.map((row) => (
                <li key={row.id}>
                  {row.action === "create" ? t("created")
                    : row.action === "delete" ? t("deleted")
                      : row.field
                        ? <>
                            <strong>{fields.get(row.field)?.label ?? row.field}</strong>
                            {": "}
                            {formatValue(row.old, fields.get(row.field), timeZone, locale)} → {formatValue(row.new, fields.get(row.field), timeZone, locale)}
                          </>
                        : row.action}
                  {row.note && <div className="note muted">{row.note}</div>}
                </li>
              ))}
            </ul>
          </li>
        );
      })}
    </ol>
  );
}
