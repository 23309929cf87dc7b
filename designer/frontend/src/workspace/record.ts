// Loading one record and what hangs off it, shared by the workspace and the portal.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import type { HistoryItem, ObjectInfo, Page, RecordData, SlaClock, Transitions } from "../api/types";
import { useSession } from "../shell/session";

export function useRecord(object: string, id: string | number, refreshSeconds = 20) {
  return useQuery({
    queryKey: ["record", object, String(id)],
    queryFn: () => api.get<RecordData>("/api/records/{object_name}/{record_id}", { object_name: object, record_id: id }),
    refetchInterval: refreshSeconds * 1000,
  });
}

export function useTransitions(object: string, id: string | number, version: number | undefined) {
  const { locale } = useSession();
  return useQuery({
    queryKey: ["transitions", object, String(id), version, locale],
    queryFn: () => api.get<Transitions>("/api/records/{object_name}/{record_id}/transitions", { object_name: object, record_id: id }),
    enabled: version !== undefined,
    retry: false,
  });
}

export function useSla(object: string, id: string | number, version: number | undefined) {
  return useQuery({
    queryKey: ["sla", object, String(id), version],
    queryFn: () => api.get<{ clocks: SlaClock[] }>("/api/records/{object_name}/{record_id}/sla", { object_name: object, record_id: id }),
    enabled: version !== undefined,
    retry: false,
  });
}

export function useHistory(object: string, id: string | number, version: number | undefined) {
  return useQuery({
    queryKey: ["history", object, String(id), version],
    queryFn: () => api.get<{ items: HistoryItem[] }>("/api/records/{object_name}/{record_id}/history", { object_name: object, record_id: id }),
    enabled: version !== undefined,
    retry: false,
  });
}

/** The conversation of a record, as the object declares it (oldest first). */
export function useConversation(info: ObjectInfo | undefined, id: string | number, version: number | undefined) {
  const conversation = info?.conversation;
  return useQuery({
    queryKey: ["conversation", info?.name, String(id), version],
    queryFn: () =>
      api.get<Page>("/api/records/{object_name}", { object_name: conversation!.object }, {
        [conversation!.reference]: id, sort: "created_at", limit: 500,
      }),
    enabled: !!conversation && version !== undefined,
    retry: false,
  });
}

export function useRefreshRecord(object: string, id: string | number) {
  const queries = useQueryClient();
  return () => {
    void queries.invalidateQueries({ queryKey: ["record", object, String(id)] });
    void queries.invalidateQueries({ queryKey: ["list"] });
    void queries.invalidateQueries({ queryKey: ["views"] });
  };
}
