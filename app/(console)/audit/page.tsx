import { AuditLog } from "@/components/admin/audit-log";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "Audit log" };

export default async function AuditPage() {
  await guardPage("viewer");
  return <AuditLog />;
}
