// The signed-in user's language and time zone, kept on the server (PATCH /api/auth/me) so
// every device, and the emails the server writes, use them.
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { Me } from "../api/types";
import { LOCALES } from "../i18n";
import { useSession } from "./session";

const NAMES: Record<string, string> = { en: "English", "zh-CN": "简体中文" };
const ZONES: string[] = ["UTC", ...((Intl as unknown as { supportedValuesOf?(k: string): string[] }).supportedValuesOf?.("timeZone") ?? [])];

export function Preferences() {
  const { t, i18n } = useTranslation();
  const { me, timeZone } = useSession();
  const queries = useQueryClient();

  async function save(change: { locale?: string; time_zone?: string }) {
    const body = { locale: me.user.locale ?? i18n.language, time_zone: me.user.time_zone ?? timeZone, ...change };
    try {
      queries.setQueryData(["me"], await api.patch<Me>("/api/auth/me", {}, body));
    } catch {
      /* an older server keeps preferences in this browser only */
    }
  }

  return (
    <div className="preferences">
      <select aria-label={t("language")} value={i18n.language} onChange={(e) => {
        localStorage.setItem("flowdesk.locale", e.target.value);
        void i18n.changeLanguage(e.target.value);
        void save({ locale: e.target.value });
      }}>
        {LOCALES.map((l) => <option key={l} value={l}>{NAMES[l]}</option>)}
      </select>
      {ZONES.length > 1 && (
        <select aria-label={t("timeZone")} value={timeZone} onChange={(e) => void save({ time_zone: e.target.value })}>
          {(ZONES.includes(timeZone) ? ZONES : [timeZone, ...ZONES]).map((z) => <option key={z} value={z}>{z}</option>)}
        </select>
      )}
    </div>
  );
}
