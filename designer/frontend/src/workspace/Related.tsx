// Related records (e.g. the same requester's other records), as the pack's related views say;
// hidden while the server offers none.
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, isMissingEndpoint } from "../api/client";
import type { RecordData } from "../api/types";
import { useSession } from "../shell/session";

interface Section { name: string; label: string; object: string; columns: string[]; items: RecordData[]; total: number }

export function Related({ object, id }: { object: string; id: number }) {
  const { t } = useTranslation();
  const { locale } = useSession();
  const path = { object_name: object, record_id: id };
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
      <h2>{view.data.label}</h2>
      {view.data.sections.map((s) => (
        <div key={s.name}>
          <h3>{s.label} <span className="count">{s.total}</span></h3>
          <ul>
            {s.items.map((r) => (
              <li key={r.id}>
                <Link to={`/records/${s.object}/${r.id}`}>#{r.id} {s.columns.map((c) => String(r[c] ?? "")).filter(Boolean).join(" · ")}</Link>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
