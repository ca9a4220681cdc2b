import { RecordHistory } from "@/components/channels/record-history";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "User history" };

export default async function RecordHistoryPage({ params }: { params: Promise<{ id: string; recordId: string }> }) {
  await guardPage("viewer");
  const { id, recordId } = await params;
  return <RecordHistory channelId={Number(id)} kind="user" recordId={recordId} />;
}
