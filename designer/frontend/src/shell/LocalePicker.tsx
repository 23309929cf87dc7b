import { useTranslation } from "react-i18next";
import { LOCALES } from "../i18n";

const NAMES: Record<string, string> = { en: "English", "zh-CN": "简体中文" };

export function LocalePicker() {
  const { t, i18n } = useTranslation();
  return (
    <select
      className="locale"
      aria-label={t("language")}
      value={i18n.language}
      onChange={(e) => {
        localStorage.setItem("flowdesk.locale", e.target.value);
        void i18n.changeLanguage(e.target.value);
      }}
    >
      {LOCALES.map((l) => (
        <option key={l} value={l}>{NAMES[l]}</option>
      ))}
    </select>
  );
}
