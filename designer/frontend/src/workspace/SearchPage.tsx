// Full-text search over everything the user may read (`GET /api/search`), best first, with
// the server's highlights (only its <mark> tags become markup; the rest stays text).
import { Fragment } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { api } from "../api/client";
import { useObjects } from "../shell/queries";

interface Hit { object: string; id: number; title: string | null; highlights: Record<string, string> }

export function Highlighted({ text }: { text: string }) {
  const parts = text.split(/(<mark>|<\/mark>)/);
  let marked = false;
  return (
    <>
      {parts.map((part, i) => {
        if (part === "<mark>") { marked = true; return null; }
        if (part === "</mark>") { marked = false; return null; }
        return marked ? <mark key={i}>{part}</mark> : <Fragment key={i}>{part}</Fragment>;
      })}
    </>
  );
}

export default function SearchPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const q = params.get("q") ?? "";
  const objects = useObjects();
  const labels = new Map((objects.data?.items ?? []).map((o) => [o.name, o.label]));
  const hits = useQuery({
    queryKey: ["search", q],
    queryFn: () => api.get<{ items: Hit[] }>("/api/search", {}, { q, limit: 50 }),
    enabled: q.trim().length > 0,
  });
  return (
    <section className="search" aria-label={t("search")}>
      <header className="list-head"><h1>{t("search")}: {q}</h1></header>
      {hits.error && <p className="error" role="alert">{hits.error.message}</p>}
      {hits.data && !hits.data.items.length && <p className="muted">{t("empty")}</p>}
      <ol className="cards">
        {hits.data?.items.map((hit) => (
          <li key={`${hit.object}:${hit.id}`}>
            <Link to={`/records/${hit.object}/${hit.id}`}>
              <strong>{hit.title ?? `#${hit.id}`}</strong>
              <span className="muted">{labels.get(hit.object) ?? hit.object} #{hit.id}</span>
              {Object.entries(hit.highlights ?? {}).map(([field, text]) => (
                <span key={field} className="highlight"><Highlighted text={text} /></span>
              ))}
            </Link>
          </li>
        ))}
      </ol>
    </section>
  );
}
