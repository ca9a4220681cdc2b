import { ExplainSearch } from "@/components/channels/explain-user";
import { RecordsTable } from "@/components/channels/records-table";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "Users" };

export default async function UsersPage({ params }: { params: Promise<{ id: string }> }) {
  await guardPage("viewer");
  const { id } = await params;
  return (
    <div className="stack">
      <RecordsTable channelId={Number(id)} kind="user" />
      <ExplainSearch channelId={Number(id)} />
    </div>
  );
}
