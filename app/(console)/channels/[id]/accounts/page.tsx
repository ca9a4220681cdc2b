import { TargetAccounts } from "@/components/channels/target-accounts";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "Target accounts" };

export default async function TargetAccountsPage({ params }: { params: Promise<{ id: string }> }) {
  await guardPage("viewer");
  const { id } = await params;
  return <TargetAccounts channelId={Number(id)} />;
}
