"use client";
import { Card, SkeletonRows } from "@/components/ui/primitives";
import { ChannelForm } from "./channel-form/channel-form";
import { useChannel } from "./use-channel";

export function EditChannel({ id }: { id: number }) {
  const q = useChannel(id);
  // the form keeps its own state: load once, then stop following refreshes
  if (!q.data) return <Card flush><SkeletonRows rows={8} cols={2} /></Card>;
  return <ChannelForm key={q.data.id} channel={q.data} />;
}
