// SLA clocks as badges counting down each second from the server's business-time figures
// (running, paused, warning, breached, met); refetched with the record.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { SlaClock } from "../api/types";
import { formatDuration } from "../shell/format";

export function SlaBadges({ clocks, fetchedAt }: { clocks: SlaClock[]; fetchedAt: number }) {
  const { t } = useTranslation();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const passed = Math.max(0, (now - fetchedAt) / 1000);
  return (
    <ul className="sla" aria-label={t("sla")}>
      {clocks.map((clock) => {
        const running = clock.status === "running";
        const remaining = clock.remaining_seconds - (running ? passed : 0);
        const breached = clock.breached || (running && remaining < 0);
        const warning = !breached && running && (clock.warning || remaining < clock.target_seconds * 0.25);
        const state = breached ? "breached" : clock.met ? "met" : warning ? "warning" : clock.status;
        const text = breached
          ? t("slaBreached", { time: formatDuration(-remaining) })
          : clock.met
            ? t("slaMet")
            : clock.status === "paused"
              ? t("slaPaused", { time: formatDuration(remaining) })
              : running
                ? t("slaRunning", { time: formatDuration(remaining) })
                : clock.status;
        return (
          <li key={clock.metric} className={`badge sla-${state}`} data-state={state} title={clock.due_at ?? ""}>
            <strong>{clock.metric.replace(/_/g, " ")}</strong> {text}
          </li>
        );
      })}
    </ul>
  );
}
