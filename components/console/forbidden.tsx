import { ROLE_LABELS, type TRole } from "@/lib/auth/roles";
import { EmptyState } from "@/components/ui/primitives";
import { IconShield } from "@/components/ui/icons";

/** Rendered by a page the viewer's role does not allow (the server decided; nothing else is sent). */
export function Forbidden({ needed, role }: { needed: TRole; role: TRole }) {
  return (
    <div className="card" style={{ marginTop: 24 }}>
      <EmptyState icon={<IconShield />} title="You do not have access to this page">
        This page needs the {ROLE_LABELS[needed]} role; you are signed in as {ROLE_LABELS[role]}. Ask an admin if you need it.
      </EmptyState>
    </div>
  );
}
