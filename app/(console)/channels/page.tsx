import { ChannelsList } from "@/components/channels/channels-list";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "Channels" };

export default async function ChannelsPage() {
  await guardPage("viewer");
  return <ChannelsList />;
}
