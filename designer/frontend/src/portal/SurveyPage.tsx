// A survey answer page (CSAT, NPS, CES...) reached from the link in a survey email; public:
// the signed token in the address is the credential.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { RecordForm } from "../forms/RecordForm";
import { LocalePicker } from "../shell/LocalePicker";

interface Survey { title: string; object: string; schema: Record<string, unknown>; uiSchema: Record<string, unknown>; context?: Record<string, unknown> }

export function SurveyPage() {
  const { t, i18n } = useTranslation();
  const { token = "" } = useParams();
  const [done, setDone] = useState(false);
  const survey = useQuery({
    queryKey: ["survey", token, i18n.language],
    queryFn: () => api.get<Survey>("/api/surveys/{token}", { token }, { locale: i18n.language }),
    retry: false,
  });
  const problem = survey.error instanceof ApiError
    ? survey.error.code === "survey_link_used" ? t("surveyUsed")
      : survey.error.code === "survey_link_expired" ? t("surveyExpired") : t("surveyMissing")
    : survey.error ? String(survey.error) : null;
  return (
    <main className="portal survey">
      <header className="portal-head"><span className="brand">{t("survey")}</span><LocalePicker /></header>
      <section className="card portal-main">
        {problem && <p role="alert">{problem}</p>}
        {done && <p role="status" className="notice">{t("surveyThanks")}</p>}
        {survey.data && !done && (
          <>
            <h1>{survey.data.title}</h1>
            <RecordForm schema={survey.data.schema} uiSchema={survey.data.uiSchema} values={{}} submitLabel={t("submit")}
              onSubmit={async (_changed, all) => {
                await api.post("/api/surveys/{token}", { token }, { values: all });
                setDone(true);
              }} />
          </>
        )}
      </section>
    </main>
  );
}
