// The agent workspace: views and lists on the left, the open list or record on the right.
import { Suspense, lazy } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { NavLink, Navigate, Route, Routes, useNavigate } from "react-router-dom";
import { api, isMissingEndpoint } from "../api/client";
import type { ReportInfo, View } from "../api/types";
import { Preferences } from "../shell/Preferences";
import { SessionGate, useSession } from "../shell/session";
import { useObjects } from "../shell/queries";
import { ListPage } from "./ListPage";

const RecordPage = lazy(() => import("./RecordPage"));
const Dashboard = lazy(() => import("../dashboard/Dashboard"));
const SearchPage = lazy(() => import("./SearchPage"));

export function useViews() {
  const { locale } = useSession();
  return useQuery({
    queryKey: ["views", locale],
    queryFn: async () => {
      try {
        return await api.get<{ items: View[] }>("/api/views", {}, { locale });
      } catch (error) {
        if (isMissingEndpoint(error)) return { items: [] as View[], missing: true };
        throw error;
      }
    },
    refetchInterval: 30_000,
  });
}

function Sidebar() {
  const { t } = useTranslation();
  const { me, signOut } = useSession();
  const views = useViews();
  const objects = useObjects();
  const reports = useQuery({
    queryKey: ["reports"],
    queryFn: () => api.get<{ items: ReportInfo[] }>("/api/reports"),
    staleTime: 300_000,
  });
  return (
    <nav className="sidebar" aria-label={t("views")}>
      <div className="brand">{t("app")}</div>
      <SearchBox />
      {!!views.data?.items.length && (
        <>
          <h2>{t("views")}</h2>
          <ul>
            {views.data.items.map((v) => (
              <li key={v.name}>
                <NavLink to={`/views/${encodeURIComponent(v.name)}`}>
                  <span>{v.label}</span>
                  {v.count !== undefined && <span className="count">{v.count}</span>}
                </NavLink>
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>{t("lists")}</h2>
      <ul>
        {objects.data?.items.map((o) => (
          <li key={o.name}>
            <NavLink to={`/lists/${o.name}`}>{o.plural}</NavLink>
          </li>
        ))}
      </ul>
      {!!reports.data?.items.length && (
        <ul>
          <li><NavLink to="/dashboard">{t("dashboard")}</NavLink></li>
        </ul>
      )}
      <div className="whoami">
        <span title={me.user.roles.join(", ")}>{me.user.display_name || me.user.name}</span>
        <Preferences />
        <button type="button" className="link" onClick={() => void signOut()}>{t("signOut")}</button>
      </div>
    </nav>
  );
}

function SearchBox() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <form role="search" onSubmit={(e) => {
      e.preventDefault();
      const q = new FormData(e.currentTarget).get("q");
      if (q) navigate(`/search?q=${encodeURIComponent(String(q))}`);
    }}>
      <input name="q" type="search" aria-label={t("search")} placeholder={t("search") + "…"} />
    </form>
  );
}

function Home() {
  const views = useViews();
  const objects = useObjects();
  if (views.isPending || objects.isPending) return null;
  const first = views.data?.items[0];
  if (first) return <Navigate to={`/views/${encodeURIComponent(first.name)}`} replace />;
  const object = objects.data?.items[0];
  return object ? <Navigate to={`/lists/${object.name}`} replace /> : null;
}

export default function Workspace() {
  const { t } = useTranslation();
  return (
    <SessionGate title={t("app")}>
      <div className="workspace">
        <Sidebar />
        <main className="content">
          <Suspense fallback={<div className="muted">{t("loading")}</div>}>
            <Routes>
              <Route index element={<Home />} />
              <Route path="views/:view" element={<ListPage kind="view" />} />
              <Route path="lists/:object" element={<ListPage kind="object" />} />
              <Route path="records/:object/:id" element={<RecordPage />} />
              <Route path="dashboard/*" element={<Dashboard />} />
              <Route path="search" element={<SearchPage />} />
              <Route path="*" element={<Home />} />
            </Routes>
          </Suspense>
        </main>
      </div>
    </SessionGate>
  );
}
