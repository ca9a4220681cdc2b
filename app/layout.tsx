import type { ReactNode } from "react";

export const metadata = { title: "Ferry", description: "Outbound identity provisioning: LDAP to SCIM 2.0" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", margin: 0, background: "#f6f7f9", color: "#1c2330" }}>{children}</body>
    </html>
  );
}
