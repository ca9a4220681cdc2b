import { NodesList } from "@/components/admin/nodes-list";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "Nodes" };

export default async function NodesPage() {
  await guardPage("viewer");
  return <NodesList />;
}
