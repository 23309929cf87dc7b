// Dashboards: every report the user may run, as a chart and a table, with a date range,
// a grouping and a CSV download. Loaded only when opened (ECharts is its own chunk).
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { ReportInfo, ReportResult } from "../api/types";
import { textIn } from "../shell/format";
import { useSession } from "../shell/session";
import { Chart } from "./Chart";

interface Range { from: string; to: string }

function ReportCard({ report, range }: { report: ReportInfo; range: Range }) {
  const { t } = useTranslation();
  const { locale, timeZone } = useSession();
  const [groupBy, setGroupBy] = useState(report.dimensions[0] ?? "");
  const query = { from: range.from || undefined, to: range.to || undefined, tz: timeZone, group_by: groupBy || undefined };
  const result = useQuery({
    queryKey: ["report", report.name, query],
    queryFn: () => api.get<ReportResult>("/api/reports/{name}", { name: report.name }, query),
    retry: false,
  });
  const label = textIn(report.label, locale);
  return (
    <section className="card report" aria-label={label}>
      <header>
        <h2>{label}</h2>
        {report.dimensions.length > 1 && (
          <label className="filter">
            {t("groupBy")}
            <select value={groupBy} onChange={(e) => setGroupBy(e.target.value)}>
              {report.dimensions.map((d) => (
                <option key={d} value={d}>{textIn(result.data?.columns.find((c) => c.name === d)?.label, locale) || d}</option>
              ))}
            </select>
          </label>
        )}
        <a className="button" href={api.url(`/api/reports/${encodeURIComponent(report.name)}`, { ...query, format: "csv" })} download>{t("downloadCsv")}</a>
      </header>
      {report.description && <p className="muted">{textIn(report.description, locale)}</p>}
      {result.error && <p className="error">{result.error.message}</p>}
      {result.data && !result.data.rows.length && <p className="muted no-data">{t("empty")}</p>}
      {result.data && result.data.rows.length > 0 && (
        <>
          <Chart result={result.data} locale={locale} label={label} />
          <details>
            <summary>{t("total")}: {result.data.rows.length}</summary>
            <table className="records">
              <thead><tr>{result.data.columns.map((c) => <th key={c.name}>{textIn(c.label, locale)}</th>)}</tr></thead>
              <tbody>
                {result.data.rows.map((row, i) => (
                  <tr key={i}>{result.data!.columns.map((c) => <td key={c.name}>{String(row[c.name] ?? "—")}</td>)}</tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </section>
  );
}

export default function Dashboard() {
  const { t } = useTranslation();
  const [range, setRange] = useState<Range>({ from: "", to: "" });
  const reports = useQuery({
    queryKey: ["reports"],
    queryFn: () => api.get<{ items: ReportInfo[] }>("/api/reports"),
    staleTime: 300_000,
  });
  return (
    <section className="dashboard" aria-label={t("dashboard")}>
      <header className="list-head">
        <h1>{t("dashboard")}</h1>
        <label className="filter">{t("from")}<input type="date" value={range.from} onChange={(e) => setRange({ ...range, from: e.target.value })} /></label>
        <label className="filter">{t("to")}<input type="date" value={range.to} onChange={(e) => setRange({ ...range, to: e.target.value })} /></label>
      </header>
      <div className="reports">
        {reports.data?.items.map((r) => <ReportCard key={r.name} report={r} range={range} />)}
      </div>
    </section>
  );
}
