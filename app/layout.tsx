import type { ReactNode } from "react";
import "./globals.css";

export const metadata = { title: { default: "Ferry", template: "%s · Ferry" }, description: "Outbound identity provisioning: LDAP to SCIM 2.0" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
