import { ProvisioningLog } from "@/components/channels/provisioning-log";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "Provisioning log" };

export default async function LogPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ cycle?: string }> }) {
  await guardPage("viewer");
  const { id } = await params;
  const { cycle } = await searchParams;
  return <ProvisioningLog channelId={Number(id)} cycle={cycle && /^\d{1,19}$/.test(cycle) ? cycle : undefined} />;
}
