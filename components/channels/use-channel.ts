"use client";
import { useQuery } from "@tanstack/react-query";
import type { TChannelOverview } from "@/lib/channels/get-channel-overview";
import { api, type Json } from "@/components/console/api";

export type TOverview = Json<TChannelOverview>;

/** One channel's overview, shared by the header, the tabs and the pages (one cache entry). */
export function useChannel(id: number) {
  return useQuery({
    queryKey: ["channel", id],
    queryFn: () => api<TOverview>(`/channels/${id}`),
    refetchInterval: (q) => (q.state.data?.activity.running ? 1_500 : 5_000),
  });
}
