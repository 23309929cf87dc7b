// Widgets the server's uiSchema names beyond rjsf's own (engine/objects/forms/form_schema.py).
import { useState } from "react";
import type { FieldProps, WidgetProps } from "@rjsf/utils";

/** ``tags``: a comma-separated line kept as a list of words. */
export function TagsWidget({ id, value, readonly, disabled, onChange }: WidgetProps) {
  const list = Array.isArray(value) ? (value as string[]) : [];
  const [text, setText] = useState(list.join(", "));
  return (
    <input id={id} value={text} readOnly={readonly} disabled={disabled}
      onChange={(e) => {
        setText(e.target.value);
        const words = [...new Set(e.target.value.split(",").map((w) => w.trim()).filter(Boolean))];
        onChange(words.length ? words : null);
      }} />
  );
}

/** ``duration``: whole seconds, entered as minutes. */
export function DurationWidget({ id, value, readonly, disabled, onChange }: WidgetProps) {
  return (
    <span className="duration">
      <input id={id} type="number" min={0} step="any" readOnly={readonly} disabled={disabled}
        value={typeof value === "number" ? value / 60 : ""}
        onChange={(e) => onChange(e.target.value === "" ? null : Math.round(Number(e.target.value) * 60))} /> min
    </span>
  );
}

/** ``richtext``: plain text for now (the server stores the text as given). */
export function RichTextWidget({ id, value, readonly, disabled, onChange }: WidgetProps) {
  return <textarea id={id} rows={6} value={value ?? ""} readOnly={readonly} disabled={disabled}
    onChange={(e) => onChange(e.target.value === "" ? null : e.target.value)} />;
}

/** ``json`` fields: any JSON value, edited as text; kept as text until it parses. */
export function JsonField({ formData, onChange, readonly, disabled, schema, fieldPathId }: FieldProps) {
  const [text, setText] = useState(formData === undefined ? "" : JSON.stringify(formData, null, 2));
  const [bad, setBad] = useState(false);
  return (
    <div className="form-group">
      <label htmlFor={fieldPathId.$id}>{schema.title}</label>
      <textarea id={fieldPathId.$id} rows={4} value={text} readOnly={readonly} disabled={disabled}
        onChange={(e) => {
          setText(e.target.value);
          try {
            onChange(e.target.value.trim() === "" ? null : JSON.parse(e.target.value), fieldPathId.path);
            setBad(false);
          } catch {
            setBad(true);
          }
        }} />
      {bad && <p className="error">JSON?</p>}
    </div>
  );
}
