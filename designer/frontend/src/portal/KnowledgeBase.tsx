// Public content in the portal: the objects anyone may read (`GET /api/public/{object}`,
// the pack's anonymous role), searchable, each record with its text and a helpful vote.
import { useState } from "react";
import { useQueries, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api } from "../api/client";
import type { ObjectInfo, ObjectSummary, Page, RecordData } from "../api/types";
import { useObject, useObjects } from "../shell/queries";

/** The readable objects that are also public. */
export function usePublicObjects(): ObjectSummary[] {
  const objects = useObjects();
  const probes = useQueries({
    queries: (objects.data?.items ?? []).map((o) => ({
      queryKey: ["public-probe", o.name],
      queryFn: () => api.get<Page>("/api/public/{object_name}", { object_name: o.name }, { limit: 1 }),
      retry: false,
      staleTime: 300_000,
    })),
  });
  return (objects.data?.items ?? []).filter((_, i) => probes[i]?.isSuccess);
}

function textFields(info: ObjectInfo): string[] {
  return info.fields.filter((f) => !f.system && (f.type === "text" || f.type === "richtext") && f.name !== info.title_field).map((f) => f.name);
}

export function PublicList() {
  const { t } = useTranslation();
  const { object = "" } = useParams();
  const info = useObject(object);
  const [q, setQ] = useState("");
  const list = useQuery({
    queryKey: ["public-list", object, q],
    queryFn: () => api.get<Page>("/api/public/{object_name}", { object_name: object }, { q, limit: 50 }),
  });
  const title = info.data?.title_field ?? "id";
  return (
    <section aria-label={info.data?.plural ?? object}>
      <header className="list-head">
        <h1>{info.data?.plural}</h1>
        <input type="search" aria-label={t("search")} placeholder={t("search") + "…"} value={q} onChange={(e) => setQ(e.target.value)} />
      </header>
      <ul className="cards">
        {list.data?.items.map((r) => (
          <li key={r.id}><Link to={`/portal/kb/${object}/${r.id}`}><strong>{String(r[title] ?? `#${r.id}`)}</strong></Link></li>
        ))}
      </ul>
      {list.data && !list.data.items.length && <p className="muted">{t("empty")}</p>}
    </section>
  );
}

export function PublicRecord() {
  const { t } = useTranslation();
  const { object = "", id = "" } = useParams();
  const info = useObject(object);
  const [voted, setVoted] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const record = useQuery({
    queryKey: ["public-record", object, id],
    queryFn: () => api.get<RecordData>("/api/public/{object_name}/{record_id}", { object_name: object, record_id: id }),
  });
  if (record.error) return <p className="error" role="alert">{record.error.message}</p>;
  if (!record.data || !info.data) return <p className="muted">{t("loading")}</p>;
  const data = record.data;
  async function vote(helpful: boolean) {
    try {
      await api.post("/api/records/{object_name}/{record_id}/votes", { object_name: object, record_id: id }, { helpful });
      setVoted(true);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }
  return (
    <article className="card request">
      <h1>{String(info.data.title_field ? data[info.data.title_field] ?? "" : `#${data.id}`)}</h1>
      {textFields(info.data).map((f) => <div key={f} className="body">{String(data[f] ?? "")}</div>)}
      <p className="form-actions">
        {voted ? <span role="status">{t("thanks")}</span> : (
          <>
            {t("helpful")}
            <button type="button" onClick={() => void vote(true)}>{t("yes")}</button>
            <button type="button" onClick={() => void vote(false)}>{t("no")}</button>
          </>
        )}
        {error && <span className="error" role="alert">{error}</span>}
      </p>
    </article>
  );
}
