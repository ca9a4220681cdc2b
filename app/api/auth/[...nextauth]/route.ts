// next-auth's sign-in, sign-out, CSRF and session endpoints (lib/auth/next-auth-options.ts).
import NextAuth from "next-auth";
import { getAuthOptions } from "@/lib/auth/next-auth-options";

export const dynamic = "force-dynamic";

async function handler(req: Request, ctx: { params: Promise<{ nextauth: string[] }> }): Promise<Response> {
  return NextAuth(req as never, ctx as never, getAuthOptions()) as Promise<Response>;
}

export { handler as GET, handler as POST };
