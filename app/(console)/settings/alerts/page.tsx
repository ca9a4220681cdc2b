import { Alerts } from "@/components/admin/alerts";
import { Forbidden } from "@/components/console/forbidden";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "Alerts" };

export default async function AlertsPage() {
  const { viewer, allowed } = await guardPage("admin");
  if (!allowed) return <Forbidden needed="admin" role={viewer.role} />;
  return <Alerts />;
}
