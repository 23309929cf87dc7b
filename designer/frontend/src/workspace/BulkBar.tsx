// Bulk change of the selected records of a view (supervisors): set one field on all of them.
// Each record answers on its own (done, stale, forbidden, ...); the bar says how many took.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, isMissingEndpoint } from "../api/client";
import type { ObjectInfo } from "../api/types";

interface BulkAnswer { results: { id: number; status: string; error?: { message?: string } }[] }
const EDITABLE = new Set(["string", "enum", "boolean", "integer", "email"]);

export function BulkBar({ info, ids, onDone }: { info: ObjectInfo; ids: number[]; onDone(): void }) {
  const { t } = useTranslation();
  const fields = info.fields.filter((f) => !f.read_only && !f.system && EDITABLE.has(f.type));
  const [fieldName, setFieldName] = useState(fields[0]?.name ?? "");
  const [value, setValue] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  if (missing || !fields.length) return null;
  const field = fields.find((f) => f.name === fieldName) ?? fields[0];

  async function apply() {
    const typed = field.type === "integer" ? Number(value) : field.type === "boolean" ? value === "true" : value;
    try {
      const answer = await api.post<BulkAnswer>("/api/records/{object_name}/bulk", { object_name: info.name }, {
        ids, action: "update", values: { [field.name]: typed },
      });
      const done = answer.results.filter((r) => r.status === "done").length;
      setMessage(t("bulkDone", { done, failed: answer.results.length - done }));
      onDone();
    } catch (error) {
      if (isMissingEndpoint(error)) setMissing(true);
      else setMessage(error instanceof Error ? error.message : String(error));
    }
  }

  return (
    <div className="bulk" role="toolbar" aria-label={t("selected", { count: ids.length })}>
      <span>{t("selected", { count: ids.length })}</span>
      <select aria-label={t("filters")} value={field.name} onChange={(e) => { setFieldName(e.target.value); setValue(""); }}>
        {fields.map((f) => <option key={f.name} value={f.name}>{f.label}</option>)}
      </select>
      {field.options ? (
        <select aria-label={field.label} value={value} onChange={(e) => setValue(e.target.value)}>
          <option value="" />
          {field.options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      ) : (
        <input aria-label={field.label} value={value} onChange={(e) => setValue(e.target.value)} />
      )}
      <button type="button" disabled={!value} onClick={() => void apply()}>{t("apply")}</button>
      {message && <span role="status">{message}</span>}
    </div>
  );
}
