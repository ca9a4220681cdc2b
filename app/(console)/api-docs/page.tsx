import { ApiDocs } from "@/components/admin/api-docs";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "API" };

export default async function ApiDocsPage() {
  await guardPage("viewer");
  return <ApiDocs />;
}
