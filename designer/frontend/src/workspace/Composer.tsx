// Reply to a record's conversation, publicly or as an internal note, as the object declares
// its conversation (`conversation:` in the pack). Macros, where the server offers them, fill
// the reply (rendered on the server) and apply their changes.
import { useEffect, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, ApiError, isMissingEndpoint } from "../api/client";
import type { ObjectInfo, RecordData } from "../api/types";

interface Macro { id: number; name?: string; label?: string; title?: string }

export function Composer({ info, record, allowInternal, onSent }: {
  info: ObjectInfo;
  record: RecordData;
  allowInternal: boolean;
  onSent(): void;
}) {
  const { t } = useTranslation();
  const conversation = info.conversation!;
  const [body, setBody] = useState("");
  const [internal, setInternal] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (window.location.hash === "#reply") box.current?.focus();
  }, []);

  async function send() {
    setBusy(true);
    setMessage(null);
    const values: Record<string, unknown> = { [conversation.reference]: record.id, [conversation.body]: body };
    if (conversation.kind) {
      const kind = internal ? conversation.internal : conversation.public;
      if (kind) values[conversation.kind] = kind;
    }
    try {
      await api.post("/api/records/{object_name}", { object_name: conversation.object }, values);
      setBody("");
      setMessage(t("sent"));
      onSent();
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="composer" aria-label={t("reply")}>
      {allowInternal && conversation.internal && (
        <div className="kinds" role="radiogroup">
          <label><input type="radio" checked={!internal} onChange={() => setInternal(false)} /> {t("publicReply")}</label>
          <label><input type="radio" checked={internal} onChange={() => setInternal(true)} /> {t("internalNote")}</label>
        </div>
      )}
      <textarea id="reply" ref={box} aria-label={t("writeReply")} placeholder={t("writeReply")} value={body}
        className={internal ? "internal" : undefined}
        onChange={(e) => setBody(e.target.value)} rows={5} />
      <div className="form-actions">
        <button type="button" className="primary" disabled={busy || !body.trim()} onClick={() => void send()}>
          {internal ? t("internalNote") : t("send")}
        </button>
        {allowInternal && <Macros info={info} record={record} onReply={setBody} onApplied={() => { setBody(""); onSent(); }} />}
        {message && <span role="status" className="muted">{message}</span>}
      </div>
    </section>
  );
}

function Macros({ info, record, onReply, onApplied }: {
  info: ObjectInfo;
  record: RecordData;
  onReply(text: string): void;
  onApplied(): void;
}) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState("");
  const [error, setError] = useState<string | null>(null);
  const path = { object_name: info.name, record_id: record.id };
  const macros = useQuery({
    queryKey: ["macros", info.name, record.id, record.version],
    queryFn: async () => {
      try {
        return await api.get<{ items: Macro[] }>("/api/records/{object_name}/{record_id}/macros", path);
      } catch (e) {
        if (isMissingEndpoint(e)) return { items: [] };
        throw e;
      }
    },
    retry: false,
  });
  if (!macros.data?.items.length) return null;

  async function preview() {
    setError(null);
    try {
      const answer = await api.post<{ reply?: string }>("/api/records/{object_name}/{record_id}/macros/{name}/preview", { ...path, name: chosen }, {});
      if (answer.reply) onReply(answer.reply);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }
  async function apply() {
    setError(null);
    try {
      await api.post("/api/records/{object_name}/{record_id}/macros/{name}/apply", { ...path, name: chosen }, { version: record.version });
      onApplied();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }
  return (
    <span className="macros">
      <select aria-label={t("macros")} value={chosen} onChange={(e) => setChosen(e.target.value)}>
        <option value="">{t("macros")}…</option>
        {macros.data.items.map((m) => <option key={m.id} value={String(m.id)}>{m.label ?? m.name ?? m.title ?? `#${m.id}`}</option>)}
      </select>
      <button type="button" disabled={!chosen} onClick={() => void preview()}>{t("preview")}</button>
      <button type="button" disabled={!chosen} onClick={() => void apply()}>{t("apply")}</button>
      {error && <span className="error">{error}</span>}
    </span>
  );
}
