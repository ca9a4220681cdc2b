import { Account } from "@/components/admin/account";
import { requirePageViewer } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "Account" };

export default async function AccountPage({ searchParams }: { searchParams: Promise<{ required?: string }> }) {
  // reachable while the password must still be changed
  const viewer = await requirePageViewer({ allowPasswordChange: true });
  const sp = await searchParams;
  return <Account required={viewer.mustChangePassword || sp.required === "1"} />;
}
