// The self-service portal: my requests, a new request through the pack's portal form, one
// request's public conversation with reply and the steps its user may take, and the
// survey pages that survey emails link to. Works at phone width.
import { useQueries } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, NavLink, Route, Routes } from "react-router-dom";
import { api } from "../api/client";
import type { ObjectInfo } from "../api/types";
import { Preferences } from "../shell/Preferences";
import { SessionGate, useSession } from "../shell/session";
import { useObjects } from "../shell/queries";
import { MyRequests, NewRequest, RequestPage } from "./Requests";
import { PublicList, PublicRecord, usePublicObjects } from "./KnowledgeBase";
import { SurveyPage } from "./SurveyPage";

/** The objects a portal user works with here: those with a form for the portal. */
export function usePortalObjects(): ObjectInfo[] | undefined {
  const { locale } = useSession();
  const objects = useObjects();
  const described = useQueries({
    queries: (objects.data?.items ?? []).map((o) => ({
      queryKey: ["object", o.name, locale, "portal"],
      queryFn: () => api.get<ObjectInfo>("/api/objects/{object_name}", { object_name: o.name }, { locale, purpose: "portal" }),
      staleTime: 300_000,
    })),
  });
  if (!objects.data || described.some((d) => d.isPending)) return undefined;
  return described.map((d) => d.data).filter((d): d is ObjectInfo => !!d && d.form_purpose === "portal");
}

function PortalHome() {
  const { t } = useTranslation();
  const objects = usePortalObjects();
  if (!objects) return <p className="muted">{t("loading")}</p>;
  if (!objects.length) return <p className="muted">{t("empty")}</p>;
  return <>{objects.map((o) => <MyRequests key={o.name} info={o} />)}</>;
}

function PortalShell() {
  const { t } = useTranslation();
  const { me, signOut } = useSession();
  const objects = usePortalObjects();
  const publicObjects = usePublicObjects();
  return (
    <div className="portal">
      <header className="portal-head">
        <Link to="/portal" className="brand">{t("portal")}</Link>
        <nav>
          <NavLink to="/portal" end>{t("myRequests")}</NavLink>
          {objects?.map((o) => <NavLink key={o.name} to={`/portal/new/${o.name}`}>{t("newRequest")}</NavLink>)}
          {publicObjects.map((o) => <NavLink key={o.name} to={`/portal/kb/${o.name}`}>{o.plural}</NavLink>)}
        </nav>
        <span className="whoami">
          {me.user.display_name || me.user.name}
          <Preferences />
          <button type="button" className="link" onClick={() => void signOut()}>{t("signOut")}</button>
        </span>
      </header>
      <main className="portal-main">
        <Routes>
          <Route index element={<PortalHome />} />
          <Route path="new/:object" element={<NewRequest />} />
          <Route path="records/:object/:id" element={<RequestPage />} />
          <Route path="kb/:object" element={<PublicList />} />
          <Route path="kb/:object/:id" element={<PublicRecord />} />
          <Route path="*" element={<PortalHome />} />
        </Routes>
      </main>
    </div>
  );
}

export default function Portal() {
  const { t } = useTranslation();
  return (
    <Routes>
      <Route path="survey/:token" element={<SurveyPage />} />
      <Route path="*" element={<SessionGate title={t("portal")}><PortalShell /></SessionGate>} />
    </Routes>
  );
}

