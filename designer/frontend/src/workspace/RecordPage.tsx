// One record for an agent: its form, the steps it may take, SLA badges, the timeline, the
// composer, why it was assigned where it is, and related records.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router-dom";
import { api, ApiError } from "../api/client";
import type { ObjectInfo } from "../api/types";
import { RecordForm } from "../forms/RecordForm";
import { useObject } from "../shell/queries";
import { Composer } from "./Composer";
import { useConversation, useHistory, useRecord, useRefreshRecord, useSla, useTransitions } from "./record";
import { Related } from "./Related";
import { SlaBadges } from "./SlaBadges";
import { Timeline } from "./Timeline";
import { TransitionButtons } from "./TransitionButtons";

export default function RecordPage() {
  const { t } = useTranslation();
  const { object = "", id = "" } = useParams();
  const info = useObject(object);
  const record = useRecord(object, id);
  const version = record.data?.version;
  const transitions = useTransitions(object, id, version);
  const sla = useSla(object, id, version);
  const history = useHistory(object, id, version);
  const messageInfo = useObject(info.data?.conversation?.object);
  const messages = useConversation(info.data, id, version);
  const refresh = useRefreshRecord(object, id);

  if (record.error) return <p className="error" role="alert">{record.error.message}</p>;
  if (!info.data || !record.data) return <p className="muted">{t("loading")}</p>;
  const data = record.data;
  const title = info.data.title_field ? String(data[info.data.title_field] ?? "") : "";

  async function save(changed: Record<string, unknown>) {
    if (!Object.keys(changed).length) return;
    try {
      await api.patch("/api/records/{object_name}/{record_id}", { object_name: object, record_id: id }, { ...changed, version: data.version });
    } catch (e) {
      if (e instanceof ApiError && e.code === "stale_version") {
        refresh();
        throw new ApiError(409, e.code, t("staleReload"));
      }
      throw e;
    }
    refresh();
  }

  return (
    <article className="record">
      <header className="record-head">
        <button type="button" className="link back" onClick={() => window.history.back()}>← {t("back")}</button>
        <h1>
          <span className="muted">{info.data.label} #{data.id}</span> {title}
        </h1>
        {transitions.data && <span className="state badge">{stateLabel(info.data, data, transitions.data.state)}</span>}
        {sla.data && sla.data.clocks.length > 0 && <SlaBadges clocks={sla.data.clocks} fetchedAt={sla.dataUpdatedAt} />}
      </header>
      {transitions.data && (
        <TransitionButtons info={info.data} record={data} transitions={transitions.data} onDone={refresh} />
      )}
      <div className="record-body">
        <div className="record-main">
          {info.data.conversation && (
            <Composer info={info.data} record={data} allowInternal onSent={refresh} />
          )}
          <h2>{t("timeline")}</h2>
          <Timeline info={info.data} messageInfo={messageInfo.data} history={history.data?.items ?? []} messages={messages.data?.items ?? []} />
        </div>
        <aside className="record-side">
          <RecordForm key={`${data.id}:${data.version}`} schema={info.data.schema} uiSchema={info.data.uiSchema} values={data} onSubmit={save} />
          <WhyAssigned object={object} id={data.id} />
          <Related object={object} id={data.id} />
          {info.data.fields.filter((f) => f.type === "reference" && f.reference_to && typeof data[f.name] === "number").map((f) => (
            <Related key={f.name} object={f.reference_to!} id={data[f.name] as number} via={f.label} />
          ))}
        </aside>
      </div>
    </article>
  );
}

/** A workflow state by its label: the option of the enum field that holds it. */
export function stateLabel(info: ObjectInfo, record: Record<string, unknown>, state: string): string {
  for (const f of info.fields) {
    const option = f.type === "enum" && record[f.name] === state ? f.options?.find((o) => o.value === state) : undefined;
    if (option) return option.label;
  }
  return state;
}

function WhyAssigned({ object, id }: { object: string; id: number }) {
  const { t } = useTranslation();
  const [answer, setAnswer] = useState<string | null>(null);
  async function ask() {
    try {
      const result = await api.post<{ explanation?: string; rule?: string; queue?: string }>("/api/routing/explain", {}, { object, record_id: id });
      setAnswer([result.rule && `${result.rule} → ${result.queue ?? ""}`, result.explanation].filter(Boolean).join(": "));
    } catch (e) {
      setAnswer(e instanceof Error ? e.message : String(e));
    }
  }
  return (
    <section className="why">
      <button type="button" className="link" onClick={() => void ask()}>{t("whyAssigned")}</button>
      {answer && <p role="status">{answer}</p>}
    </section>
  );
}
