// A portal user's requests: the list, a new one, and one request's conversation.
import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api } from "../api/client";
import type { ObjectInfo, Page, RecordData } from "../api/types";
import { RecordForm } from "../forms/RecordForm";
import { formatDateTime, formatValue } from "../shell/format";
import { useObject } from "../shell/queries";
import { useSession } from "../shell/session";
import { Composer } from "../workspace/Composer";
import { useConversation, useRecord, useRefreshRecord, useTransitions } from "../workspace/record";
import { TransitionButtons } from "../workspace/TransitionButtons";

/** Workflow-owned enum fields (read-only, with options): what a portal user filters by. */
function stateFields(info: ObjectInfo) {
  return info.fields.filter((f) => f.type === "enum" && f.read_only && !f.system && f.options);
}

export function MyRequests({ info }: { info: ObjectInfo }) {
  const { t } = useTranslation();
  const { timeZone, locale } = useSession();
  const [filters, setFilters] = useState<Record<string, string>>({});
  const states = stateFields(info);
  const list = useQuery({
    queryKey: ["portal-list", info.name, filters],
    queryFn: () => api.get<Page>("/api/records/{object_name}", { object_name: info.name }, { sort: "-updated_at", limit: 50, ...filters }),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
  return (
    <section aria-label={info.plural}>
      <header className="list-head">
        <h1>{info.plural}</h1>
        {states.map((f) => (
          <label key={f.name} className="filter">
            {f.label}
            <select value={filters[f.name] ?? ""} onChange={(e) => setFilters({ ...filters, [f.name]: e.target.value })}>
              <option value="">{t("all")}</option>
              {f.options!.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
            </select>
          </label>
        ))}
        <Link className="button primary" to={`/portal/new/${info.name}`}>{t("newRequest")}</Link>
      </header>
      <ul className="cards">
        {list.data?.items.map((r) => (
          <li key={r.id}>
            <Link to={`/portal/records/${info.name}/${r.id}`}>
              <strong>{String(info.title_field ? r[info.title_field] ?? "" : `#${r.id}`)}</strong>
              <span className="muted">
                #{r.id} · {states.map((f) => formatValue(r[f.name], f, timeZone, locale)).join(" · ")}
                {" · "}{formatDateTime(String(r.updated_at), timeZone, locale)}
              </span>
            </Link>
          </li>
        ))}
      </ul>
      {list.data && !list.data.items.length && <p className="muted">{t("empty")}</p>}
    </section>
  );
}

export function NewRequest() {
  const { t } = useTranslation();
  const { object = "" } = useParams();
  const navigate = useNavigate();
  const info = useObject(object, "portal");
  if (!info.data) return <p className="muted">{t("loading")}</p>;
  const data = info.data;
  return (
    <section className="card" aria-label={t("newRequest")}>
      <h1>{t("newRequest")}</h1>
      <RecordForm schema={data.schema} uiSchema={data.uiSchema} values={{}} submitLabel={t("submit")}
        onSubmit={async (changed) => {
          const created = await api.post<RecordData>("/api/records/{object_name}", { object_name: object }, changed);
          navigate(`/portal/records/${object}/${created.id}`, { state: { created: true } });
        }} />
    </section>
  );
}

export function RequestPage() {
  const { t } = useTranslation();
  const { object = "", id = "" } = useParams();
  const { timeZone, locale } = useSession();
  const info = useObject(object, "portal");
  const record = useRecord(object, id);
  const version = record.data?.version;
  const transitions = useTransitions(object, id, version);
  const messages = useConversation(info.data, id, version);
  const refresh = useRefreshRecord(object, id);
  if (record.error) return <p className="error" role="alert">{record.error.message}</p>;
  if (!info.data || !record.data) return <p className="muted">{t("loading")}</p>;
  const data = record.data;
  const conversation = info.data.conversation;
  const states = stateFields(info.data);
  const visible = (messages.data?.items ?? []).filter(
    (m) => !(conversation?.kind && conversation.internal && m[conversation.kind] === conversation.internal));
  return (
    <article className="request">
      {window.history.state?.usr?.created && <p className="notice" role="status">{t("requestSent")}</p>}
      <h1>{String(info.data.title_field ? data[info.data.title_field] ?? "" : "")} <span className="muted">#{data.id}</span></h1>
      <p className="muted">{states.map((f) => `${f.label}: ${formatValue(data[f.name], f, timeZone, locale)}`).join(" · ")}</p>
      {transitions.data && <TransitionButtons info={info.data} record={data} transitions={transitions.data} onDone={refresh} />}
      <RecordForm key={data.version} schema={info.data.schema} uiSchema={info.data.uiSchema} values={data} readOnly onSubmit={async () => undefined} />
      {conversation && (
        <>
          <h2>{t("conversation")}</h2>
          <ol className="timeline">
            {visible.map((m) => (
              <li key={m.id} className={`entry message ${m.created_by === data.created_by ? "mine" : "theirs"}`}>
                <div className="meta">
                  <span>{String(m.created_by ?? "")}</span>
                  <time dateTime={String(m.created_at)}>{formatDateTime(String(m.created_at), timeZone, locale)}</time>
                </div>
                <div className="body">{String(m[conversation.body] ?? "")}</div>
              </li>
            ))}
          </ol>
          <Composer info={info.data} record={data} allowInternal={false} onSent={refresh} />
        </>
      )}
    </article>
  );
}
