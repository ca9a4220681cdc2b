import { ConsoleUsers } from "@/components/admin/console-users";
import { Forbidden } from "@/components/console/forbidden";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "Console users" };

export default async function ConsoleUsersPage() {
  const { viewer, allowed } = await guardPage("admin");
  if (!allowed) return <Forbidden needed="admin" role={viewer.role} />;
  return <ConsoleUsers />;
}
