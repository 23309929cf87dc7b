// The workflow steps this user may take now; one that needs values opens a small form of just
// those fields; a refused guard shows which part failed.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError } from "../api/client";
import type { ObjectInfo, RecordData, Transition, Transitions } from "../api/types";
import { RecordForm } from "../forms/RecordForm";
import { textIn } from "../shell/format";
import { useSession } from "../shell/session";

export function TransitionButtons({ info, record, transitions, onDone }: {
  info: ObjectInfo;
  record: RecordData;
  transitions: Transitions;
  onDone(): void;
}) {
  const { t } = useTranslation();
  const { locale } = useSession();
  const [asking, setAsking] = useState<Transition | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function take(transition: Transition, values: Record<string, unknown> = {}) {
    setError(null);
    try {
      await api.post("/api/records/{object_name}/{record_id}/transitions/{name}",
        { object_name: info.name, record_id: record.id, name: transition.name },
        { version: record.version, values });
      setAsking(null);
      onDone();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.code === "stale_version") {
        setError(t("staleReload"));
        onDone();
        return;
      }
      const detail = e instanceof ApiError ? [e.message, ...e.details.map((d) => d.msg).filter((m) => m !== e.message)].join(" · ") : String(e);
      if (asking) throw e;
      setError(detail);
    }
  }

  const update = (info as unknown as { payload_schemas?: { update?: { properties?: Record<string, unknown> } } }).payload_schemas?.update;
  return (
    <div className="transitions" role="group" aria-label={t("actions")}>
      {transitions.transitions.map((tr) => (
        <button key={tr.name} type="button" data-transition={tr.name}
          onClick={() => (tr.require.length ? setAsking(tr) : void take(tr))}>
          {textIn(tr.label, locale)}
        </button>
      ))}
      {transitions.blocked.map((tr) => (
        <span key={tr.name} className="blocked">
          <button type="button" disabled>{textIn(tr.label, locale)}</button>
          <small>{t("blocked")}: {tr.reason ?? tr.failed}</small>
        </span>
      ))}
      {!transitions.transitions.length && !transitions.blocked.length && <span className="muted">{t("noActions")}</span>}
      {error && <p className="error" role="alert">{error}</p>}
      {asking && (
        <div className="dialog" role="dialog" aria-label={textIn(asking.label, locale)}>
          <h3>{textIn(asking.label, locale)}</h3>
          <p className="muted">{t("needsValues")}</p>
          <RecordForm
            schema={{
              type: "object",
              required: asking.require,
              properties: Object.fromEntries(asking.require.map((f) => [f, update?.properties?.[f] ?? {}])),
            }}
            uiSchema={{}}
            values={record}
            submitLabel={textIn(asking.label, locale)}
            onSubmit={async (_changed, all) => take(asking, all)}
            onCancel={() => setAsking(null)}
          />
        </div>
      )}
    </div>
  );
}
