// The queries pages share, with their cache keys in one place.
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import type { ObjectInfo, ObjectSummary } from "../api/types";
import { useLocaleAndZone } from "./session";

export function useObjects() {
  const { locale } = useLocaleAndZone();
  return useQuery({
    queryKey: ["objects", locale],
    queryFn: () => api.get<{ items: ObjectSummary[] }>("/api/objects", {}, { locale }),
    staleTime: 300_000,
  });
}

/** An object's fields and its form for ``purpose`` (edit, create, view or portal). */
export function useObject(name: string | undefined, purpose = "edit") {
  const { locale } = useLocaleAndZone();
  return useQuery({
    queryKey: ["object", name, locale, purpose],
    queryFn: () => api.get<ObjectInfo>("/api/objects/{object_name}", { object_name: name! }, { locale, purpose }),
    enabled: !!name,
    staleTime: 300_000,
  });
}
