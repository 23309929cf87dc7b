// Related records (e.g. the same requester's other records), as the pack's related views say;
// hidden while the server offers none.
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, isMissingEndpoint } from "../api/client";
import type { RecordData } from "../api/types";
import { formatDateTime } from "../shell/format";
import { useSession } from "../shell/session";

interface Section { name: string; label: string; object: string; columns: string[]; items: RecordData[]; total: number }

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

export function Related({ object, id, via }: { object: string; id: number; via?: string }) {
  const { t } = useTranslation();
  const { locale, timeZone } = useSession();
  const path = { object_name: object, record_id: id };
  const show = (v: unknown) =>
    v == null ? "" : typeof v === "string" && ISO_TIME.test(v) ? formatDateTime(v, timeZone, locale) : String(v);
  const list = useQuery({
    queryKey: ["related", object, id, locale],
    queryFn: async () => {
      try {
        return await api.get<{ items: { name: string; label: string }[] }>("/api/records/{object_name}/{record_id}/related", path, { locale });
      } catch (e) {
        if (isMissingEndpoint(e)) return { items: [] };
        throw e;
      }
    },
    retry: false,
  });
  const first = list.data?.items[0]?.name;
  const view = useQuery({
    queryKey: ["related", object, id, first, locale],
    queryFn: () => api.get<{ label: string; sections: Section[] }>("/api/records/{object_name}/{record_id}/related/{name}", { ...path, name: first! }, { locale }),
    enabled: !!first,
    retry: false,
  });
  if (!view.data) return null;
  return (
    <section className="related" aria-label={t("related")}>
      <h2>{view.data.label}{via && <> · <Link to={`/records/${object}/${id}`}>{via} #{id}</Link></>}</h2>
      {view.data.sections.map((s) => (
        <div key={s.name}>
          <h3>{s.label} <span className="count">{s.total}</span></h3>
          <ul>
            {s.items.map((r, i) => {
              const text = s.columns.filter((c) => c !== "id").map((c) => show(r[c])).filter(Boolean).join(" · ");
              return (
                <li key={r.id ?? i}>
                  {r.id ? <Link to={`/records/${s.object}/${r.id}`}>#{r.id} {text}</Link> : text}
                </li>
              );
            })}
          </ul>
        </div>
      ))}
    </section>
  );
}
