// A list of records: a pack-declared view or all records of an object. Server-side filter,
// sort and paging; refreshes by polling; j/k move, Enter opens, r opens the reply box.
import { useEffect, useMemo, useRef, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router-dom";
import { api } from "../api/client";
import type { Page, RecordData, View } from "../api/types";
import { formatValue } from "../shell/format";
import { useObject } from "../shell/queries";
import { useSession } from "../shell/session";
import { defaultColumns, fieldMap, filterableFields } from "./columns";
import { BulkBar } from "./BulkBar";
import { useReferenceTitles } from "./referenceTitles";
import { useViews } from "./Workspace";

const PAGE = 50;

export function ListPage({ kind }: { kind: "view" | "object" }) {
  const { t } = useTranslation();
  const params = useParams();
  const navigate = useNavigate();
  const { timeZone, locale } = useSession();
  const views = useViews();
  const view: View | undefined =
    kind === "view" ? views.data?.items.find((v) => v.name === params.view) : undefined;
  const objectName = kind === "view" ? view?.object : params.object;
  const info = useObject(objectName);
  const [sort, setSort] = useState<string | undefined>(undefined);
  const [offset, setOffset] = useState(0);
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [cursor, setCursor] = useState(0);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const table = useRef<HTMLTableElement>(null);
  const key = kind === "view" ? params.view : params.object;

  useEffect(() => {
    setSort(undefined);
    setOffset(0);
    setFilters({});
    setCursor(0);
    setSelected(new Set());
  }, [key]);

  const columns = useMemo(
    () => (view?.columns?.length ? view.columns : info.data ? defaultColumns(info.data) : []),
    [view, info.data],
  );
  const fields = fieldMap(info.data);
  const effectiveSort = sort ?? view?.sort ?? "-updated_at";
  const query = { sort: effectiveSort, limit: PAGE, offset, locale, ...filters };
  const records = useQuery({
    queryKey: ["list", kind, key, query],
    queryFn: async () => {
      const page =
        kind === "view"
          ? await api.get<Page>("/api/views/{name}/records", { name: params.view! }, query)
          : await api.get<Page>("/api/records/{object_name}", { object_name: params.object! }, query);
      performance.mark("flowdesk:list-data");
      return page;
    },
    enabled: !!objectName,
    placeholderData: keepPreviousData,
    refetchInterval: (view?.refresh_seconds ?? 30) * 1000,
  });
  const items = records.data?.items ?? [];
  const titleOf = useReferenceTitles(columns.map((c) => fields.get(c)).filter((f) => !!f), items);

  useEffect(() => {
    if (records.data) {
      performance.mark("flowdesk:list-rendered");
      try {
        performance.measure("flowdesk:list-render", "flowdesk:list-data", "flowdesk:list-rendered");
      } catch {
        /* marks cleared meanwhile */
      }
    }
  }, [records.data]);

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const target = event.target as HTMLElement;
      if (["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || target.isContentEditable) return;
      if (event.metaKey || event.ctrlKey || event.altKey) return;
      const open = (reply: boolean) => {
        const record = items[cursor];
        if (record && objectName) navigate(`/records/${objectName}/${record.id}${reply ? "#reply" : ""}`);
      };
      if (event.key === "j") setCursor((c) => Math.min(c + 1, items.length - 1));
      else if (event.key === "k") setCursor((c) => Math.max(c - 1, 0));
      else if (event.key === "Enter") open(false);
      else if (event.key === "r") open(true);
      else return;
      event.preventDefault();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [items, cursor, navigate, objectName]);

  useEffect(() => {
    table.current?.querySelector(`tbody tr:nth-child(${cursor + 1})`)?.scrollIntoView({ block: "nearest" });
  }, [cursor]);

  if (kind === "view" && views.data && !view) return <p className="muted">{t("empty")}</p>;
  if (!info.data) return <p className="muted">{info.error ? info.error.message : t("loading")}</p>;

  const title = view?.label ?? info.data.plural;
  const total = records.data?.total ?? 0;
  function toggleSort(column: string) {
    setOffset(0);
    setSort(effectiveSort === column ? `-${column}` : column);
  }

  return (
    <section className="list" aria-label={title}>
      <header className="list-head">
        <h1>{title}</h1>
        <span className="count">{records.data ? total : ""}</span>
        {filterableFields(info.data, columns).map((f) => (
          <label key={f.name} className="filter">
            {f.label}
            <select
              value={filters[f.name] ?? ""}
              onChange={(e) => {
                setOffset(0);
                setFilters((old) => ({ ...old, [f.name]: e.target.value }));
              }}
            >
              <option value="">{t("all")}</option>
              {f.options!.map((o) => (
                <option key={o.value} value={o.value}>{o.label}</option>
              ))}
            </select>
          </label>
        ))}
        <button type="button" onClick={() => void records.refetch()}>{t("refresh")}</button>
        <span className="muted keys">{t("keys")}</span>
      </header>
      {kind === "view" && selected.size > 0 && (
        <BulkBar info={info.data} ids={[...selected]} onDone={() => { setSelected(new Set()); void records.refetch(); }} />
      )}
      {records.error && <p className="error" role="alert">{records.error.message}</p>}
      <table ref={table} className="records">
        <thead>
          <tr>
            {kind === "view" && <th className="pick" />}
            {columns.map((c) => (
              <th key={c} aria-sort={effectiveSort === c ? "ascending" : effectiveSort === `-${c}` ? "descending" : "none"}>
                <button type="button" className="link" onClick={() => toggleSort(c)}>
                  {fields.get(c)?.label ?? c}
                  {effectiveSort === c ? " ▲" : effectiveSort === `-${c}` ? " ▼" : ""}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {items.map((record: RecordData, index) => (
            <tr
              key={record.id}
              className={index === cursor ? "cursor" : undefined}
              aria-selected={index === cursor}
              onClick={() => navigate(`/records/${objectName}/${record.id}`)}
            >
              {kind === "view" && (
                <td className="pick" onClick={(e) => e.stopPropagation()}>
                  <input
                    type="checkbox"
                    aria-label={`#${record.id}`}
                    checked={selected.has(record.id)}
                    onChange={(e) => {
                      const next = new Set(selected);
                      if (e.target.checked) next.add(record.id);
                      else next.delete(record.id);
                      setSelected(next);
                    }}
                  />
                </td>
              )}
              {columns.map((c) => {
                const field = fields.get(c);
                const title = field?.type === "reference" ? titleOf(field, record[c]) : undefined;
                return <td key={c}>{title ?? formatValue(record[c], field, timeZone, locale)}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {records.data && items.length === 0 && <p className="muted">{t("empty")}</p>}
      <footer className="pager">
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>{t("previous")}</button>
        <span>{total ? t("pageOf", { from: offset + 1, to: offset + items.length, total }) : ""}</span>
        <button type="button" disabled={!records.data?.next} onClick={() => setOffset(offset + PAGE)}>{t("next")}</button>
      </footer>
    </section>
  );
}
