// Reference columns by the referenced record's title: one list call per target object for
// the ids on the page (records the user may not read stay "#id").
import { useQueries } from "@tanstack/react-query";
import { api } from "../api/client";
import type { FieldInfo, ObjectInfo, Page, RecordData } from "../api/types";
import { useSession } from "../shell/session";

export function useReferenceTitles(fields: FieldInfo[], items: RecordData[]): (field: FieldInfo, id: unknown) => string | undefined {
  const { locale } = useSession();
  const references = fields.filter((f) => f.type === "reference" && f.reference_to);
  const targets = [...new Set(references.map((f) => f.reference_to!))];
  const ids = targets.map((target) => [
    ...new Set(references.filter((f) => f.reference_to === target).flatMap((f) => items.map((r) => r[f.name])).filter((v) => typeof v === "number")),
  ].sort((a, b) => (a as number) - (b as number)));
  const infos = useQueries({
    queries: targets.map((target) => ({
      queryKey: ["object", target, locale, "edit"],
      queryFn: () => api.get<ObjectInfo>("/api/objects/{object_name}", { object_name: target }, { locale, purpose: "edit" }),
      staleTime: 300_000,
      retry: false,
    })),
  });
  const pages = useQueries({
    queries: targets.map((target, i) => ({
      queryKey: ["reference-titles", target, ids[i].join(",")],
      queryFn: () => api.get<Page>("/api/records/{object_name}", { object_name: target }, { id__in: ids[i].join(","), limit: 500 }),
      enabled: ids[i].length > 0,
      staleTime: 60_000,
      retry: false,
    })),
  });
  return (field, id) => {
    const i = targets.indexOf(field.reference_to ?? "");
    const titleField = infos[i]?.data?.title_field;
    const record = pages[i]?.data?.items.find((r) => r.id === id);
    return record && titleField && record[titleField] != null ? String(record[titleField]) : undefined;
  };
}
