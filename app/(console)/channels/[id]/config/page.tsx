import { ChannelConfig } from "@/components/channels/channel-config";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "Source and target" };

export default async function ConfigPage({ params }: { params: Promise<{ id: string }> }) {
  await guardPage("viewer");
  const { id } = await params;
  return <ChannelConfig id={Number(id)} />;
}
