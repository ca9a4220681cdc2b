import { EditChannel } from "@/components/channels/edit-channel";
import { Forbidden } from "@/components/console/forbidden";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "Edit channel" };

export default async function EditChannelPage({ params }: { params: Promise<{ id: string }> }) {
  const { viewer, allowed } = await guardPage("admin");
  if (!allowed) return <Forbidden needed="admin" role={viewer.role} />;
  const { id } = await params;
  return <EditChannel id={Number(id)} />;
}
