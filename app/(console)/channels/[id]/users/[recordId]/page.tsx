import { RecordDetail } from "@/components/channels/record-detail";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "User detail" };

export default async function RecordPage({ params }: { params: Promise<{ id: string; recordId: string }> }) {
  await guardPage("viewer");
  const { id, recordId } = await params;
  return <RecordDetail channelId={Number(id)} kind="user" recordId={recordId} />;
}
