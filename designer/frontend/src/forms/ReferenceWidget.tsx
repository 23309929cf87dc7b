// A reference field (uiSchema `ui:widget: reference`, schema `x-reference: {object}`): a select
// of the records of that object the user may read, by their title.
import { useQuery } from "@tanstack/react-query";
import type { WidgetProps } from "@rjsf/utils";
import { api } from "../api/client";
import type { Page } from "../api/types";
import { useObject } from "../shell/queries";

export function ReferenceWidget(props: WidgetProps) {
  const { id, value, required, disabled, readonly, onChange, schema } = props;
  const target = (schema as { "x-reference"?: { object?: string } })["x-reference"]?.object;
  const info = useObject(target);
  const titleField = info.data?.title_field ?? "id";
  const records = useQuery({
    queryKey: ["reference-options", target],
    queryFn: () => api.get<Page>("/api/records/{object_name}", { object_name: target! }, { limit: 100, sort: "-updated_at" }),
    enabled: !!target && !readonly && !disabled,
    staleTime: 60_000,
  });
  const options = records.data?.items ?? [];
  if (readonly || disabled || records.isError) {
    return (
      <input id={id} type="number" min={1} value={value ?? ""} readOnly={readonly} disabled={disabled}
        onChange={(e) => onChange(e.target.value === "" ? null : Number(e.target.value))} />
    );
  }
  const known = value == null || options.some((r) => r.id === value);
  return (
    <select id={id} value={value ?? ""} required={required}
      onChange={(e) => onChange(e.target.value === "" ? null : Number(e.target.value))}>
      <option value="" />
      {!known && <option value={value}>#{String(value)}</option>}
      {options.map((r) => (
        <option key={r.id} value={r.id}>#{r.id} {String(r[titleField] ?? "")}</option>
      ))}
    </select>
  );
}
