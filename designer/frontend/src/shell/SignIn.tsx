import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError } from "../api/client";
import type { Me } from "../api/types";
import { LocalePicker } from "./LocalePicker";

export function SignIn({ title, onSignedIn }: { title: string; onSignedIn(me: Me): void }) {
  const { t } = useTranslation();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.post<Me>("/api/auth/login", {}, { name, password }));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <form className="card" onSubmit={submit} aria-label={t("signIn")}>
        <h1>{title}</h1>
        <label>
          {t("name")}
          <input name="name" autoComplete="username" value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
        </label>
        <label>
          {t("password")}
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && <p className="error" role="alert">{t("signInFailed")}: {error}</p>}
        <button type="submit" className="primary" disabled={busy}>{t("signIn")}</button>
        <LocalePicker />
      </form>
    </main>
  );
}
