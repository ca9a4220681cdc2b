import { ApiTokens } from "@/components/admin/api-tokens";
import { Forbidden } from "@/components/console/forbidden";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "API tokens" };

export default async function ApiTokensPage() {
  const { viewer, allowed } = await guardPage("admin");
  if (!allowed) return <Forbidden needed="admin" role={viewer.role} />;
  return <ApiTokens />;
}
