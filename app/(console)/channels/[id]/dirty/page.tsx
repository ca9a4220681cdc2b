import { DirtyRecords } from "@/components/channels/dirty-records";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "Dirty records" };

export default async function DirtyPage({ params }: { params: Promise<{ id: string }> }) {
  await guardPage("viewer");
  const { id } = await params;
  return <DirtyRecords channelId={Number(id)} />;
}
