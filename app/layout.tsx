import { connection } from "next/server";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata = {
  title: { default: "Ferry", template: "%s · Ferry" },
  description: "Outbound identity provisioning: LDAP to SCIM 2.0",
  // public/favicon.svg: the logo (public/logo.svg, IconLogo) drawn for a browser tab
  icons: { icon: [{ url: "/favicon.svg", type: "image/svg+xml" }] },
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // every page is rendered per request: its scripts carry that response's CSP nonce
  // (proxy.ts), which a page prerendered at build time could not have
  await connection();
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
