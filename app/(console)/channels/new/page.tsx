import Link from "next/link";
import { ChannelForm } from "@/components/channels/channel-form/channel-form";
import { Forbidden } from "@/components/console/forbidden";
import { PageHead } from "@/components/ui/primitives";
import { guardPage } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "New channel" };

export default async function NewChannelPage() {
  const { viewer, allowed } = await guardPage("admin");
  if (!allowed) return <Forbidden needed="admin" role={viewer.role} />;
  return (
    <>
      <PageHead
        crumbs={
          <>
            <Link href="/channels">Channels</Link>
            <span className="sep">/</span>new
          </>
        }
        title="New channel"
        sub="Connect a source location in the directory to a SCIM application. Test both ends before you save."
      />
      <ChannelForm />
    </>
  );
}
