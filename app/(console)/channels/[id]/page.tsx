import { ChannelOverview } from "@/components/channels/channel-overview";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "Channel" };

export default async function ChannelPage({ params }: { params: Promise<{ id: string }> }) {
  await guardPage("viewer");
  const { id } = await params;
  return <ChannelOverview id={Number(id)} />;
}
