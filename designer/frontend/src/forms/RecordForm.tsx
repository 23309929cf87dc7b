// A pack form rendered by rjsf from the server's JSON Schema + uiSchema. Only the schema's own
// properties go in; the server's field errors (422 details) show next to their fields.
import { useMemo, useState } from "react";
import Form from "@rjsf/core";
import type { ErrorSchema, RJSFSchema, UiSchema } from "@rjsf/utils";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";
import { DateTimeWidget } from "./DateTimeWidget";
import { ReferenceWidget } from "./ReferenceWidget";
import { SectionsTemplate } from "./SectionsTemplate";
import { validator } from "./validator";
import { DurationWidget, JsonField, RichTextWidget, TagsWidget } from "./widgets";

const widgets = { datetime: DateTimeWidget, reference: ReferenceWidget, tags: TagsWidget, duration: DurationWidget, richtext: RichTextWidget };
const fields = { json: JsonField };
const templates = { ObjectFieldTemplate: SectionsTemplate };

export interface RecordFormProps {
  schema: Record<string, unknown>;
  uiSchema: Record<string, unknown>;
  values: Record<string, unknown>;
  submitLabel?: string;
  /** Receives only the values that differ from ``values``; throws an ApiError to show. */
  onSubmit(changed: Record<string, unknown>, all: Record<string, unknown>): Promise<void>;
  onCancel?(): void;
  readOnly?: boolean;
}

function serverErrors(error: ApiError): ErrorSchema {
  const errors: Record<string, { __errors: string[] }> = {};
  for (const d of error.details) {
    const field = d.loc[0] === "body" ? d.loc[1] : d.loc[0];
    if (typeof field === "string") (errors[field] ??= { __errors: [] }).__errors.push(d.msg);
  }
  return errors as ErrorSchema;
}

export function RecordForm({ schema, uiSchema, values, submitLabel, onSubmit, onCancel, readOnly }: RecordFormProps) {
  const { t } = useTranslation();
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  const initial = useMemo(() => {
    const own: Record<string, unknown> = {};
    for (const name of Object.keys(properties)) if (values[name] !== undefined) own[name] = values[name];
    return own;
  }, [properties, values]);
  const [data, setData] = useState(initial);
  const [extraErrors, setExtraErrors] = useState<ErrorSchema | undefined>();
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(formData: Record<string, unknown>) {
    const changed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(formData)) {
      if (JSON.stringify(v ?? null) !== JSON.stringify(initial[k] ?? null)) changed[k] = v ?? null;
    }
    setBusy(true);
    setMessage(null);
    setExtraErrors(undefined);
    try {
      await onSubmit(changed, formData);
      setMessage(t("saved"));
    } catch (error) {
      if (error instanceof ApiError) {
        setExtraErrors(serverErrors(error));
        setMessage(error.message);
      } else setMessage(String(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Form
      schema={schema as RJSFSchema}
      uiSchema={{ ...(uiSchema as UiSchema), "ui:submitButtonOptions": { norender: true } }}
      formData={data}
      validator={validator}
      widgets={widgets}
      fields={fields}
      templates={templates}
      readonly={readOnly}
      extraErrors={extraErrors}
      showErrorList={false}
      noHtml5Validate
      onChange={(e) => setData(e.formData as Record<string, unknown>)}
      onSubmit={(e) => void submit(e.formData as Record<string, unknown>)}
    >
      {!readOnly && (
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy}>{submitLabel ?? t("save")}</button>
          {onCancel && <button type="button" onClick={onCancel}>{t("cancel")}</button>}
          {message && <span role="status" className={extraErrors ? "error" : "muted"}>{message}</span>}
        </div>
      )}
    </Form>
  );
}
