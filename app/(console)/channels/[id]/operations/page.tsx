import { DeleteChannel } from "@/components/channels/delete-channel";
import { OperationsPanel } from "@/components/channels/operations-panel";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "Operations" };

export default async function OperationsPage({ params }: { params: Promise<{ id: string }> }) {
  await guardPage("viewer");
  const { id } = await params;
  return (
    <div className="stack">
      <OperationsPanel channelId={Number(id)} />
      <DeleteChannel channelId={Number(id)} />
    </div>
  );
}
