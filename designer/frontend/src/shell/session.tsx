// Who is signed in, in which language and time zone. Everything below reads it from here.
import { createContext, useContext, useEffect, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, ApiError } from "../api/client";
import type { Me } from "../api/types";
import type { Locale } from "../i18n";
import { SignIn } from "./SignIn";

export interface Session {
  me: Me;
  locale: Locale;
  timeZone: string;
  setLocale(locale: Locale): void;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside <SessionGate>");
  return session;
}

/** The user's language and time zone; outside a session (public pages), the browser's. */
export function useLocaleAndZone(): { locale: Locale; timeZone: string } {
  const session = useContext(SessionContext);
  const { i18n } = useTranslation();
  return session ?? { locale: i18n.language as Locale, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone };
}

/** Shows the sign-in form until the API knows the user, then the children. */
export function SessionGate({ title, children }: { title: string; children: ReactNode }) {
  const { i18n } = useTranslation();
  const queries = useQueryClient();
  const me = useQuery({
    queryKey: ["me"],
    queryFn: () => api.get<Me>("/api/auth/me"),
    retry: (count, error) => !(error instanceof ApiError && error.status === 401) && count < 2,
    staleTime: 60_000,
  });
  const userLocale = me.data?.user.locale;
  useEffect(() => {
    if ((userLocale === "en" || userLocale === "zh-CN") && !localStorage.getItem("flowdesk.locale")) {
      void i18n.changeLanguage(userLocale);
    }
  }, [userLocale, i18n]);
  useEffect(() => {
    document.documentElement.lang = i18n.language;
  }, [i18n.language]);

  if (me.isPending) return <div className="center muted">…</div>;
  if (me.error) {
    if (me.error instanceof ApiError && me.error.status === 401) {
      return <SignIn title={title} onSignedIn={(answer) => queries.setQueryData(["me"], answer)} />;
    }
    return <div className="center error">{me.error.message}</div>;
  }
  const session: Session = {
    me: me.data,
    locale: i18n.language as Locale,
    timeZone: me.data.user.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone,
    setLocale(locale) {
      localStorage.setItem("flowdesk.locale", locale);
      void i18n.changeLanguage(locale);
    },
    async signOut() {
      await api.post("/api/auth/logout", {}, {}).catch(() => undefined);
      queries.clear();
      queries.setQueryData(["me"], undefined);
      window.location.reload();
    },
  };
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
