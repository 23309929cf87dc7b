// The app's own words (the pack's labels come from the API in the same locale).
import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./en.json";
import zhCN from "./zh-CN.json";

export const LOCALES = ["en", "zh-CN"] as const;
export type Locale = (typeof LOCALES)[number];

export function browserLocale(): Locale {
  const saved = localStorage.getItem("flowdesk.locale");
  if (saved === "en" || saved === "zh-CN") return saved;
  return navigator.language.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, "zh-CN": { translation: zhCN } },
  lng: browserLocale(),
  fallbackLng: "en",
  interpolation: { escapeValue: false },
});

export default i18next;
