import type { ReactNode } from "react";
import { notFound } from "next/navigation";
import { ChannelHeader } from "@/components/channels/channel-header";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";

export default async function ChannelLayout({ children, params }: { children: ReactNode; params: Promise<{ id: string }> }) {
  await guardPage("viewer");
  const { id } = await params;
  if (!/^\d{1,9}$/.test(id)) notFound();
  return (
    <>
      <ChannelHeader id={Number(id)} />
      {children}
    </>
  );
}
