// next-auth's sign-in, sign-out, CSRF and session endpoints (lib/auth/next-auth-options.ts).
// Their bodies are read here with the same byte cap as the API's (lib/api/read-body.ts),
// then handed to next-auth: it would otherwise read a body of any size.
import NextAuth from "next-auth";
import { NextRequest, NextResponse } from "next/server";
import { readBodyBytes } from "@/lib/api/read-body";
import { getAuthOptions } from "@/lib/auth/next-auth-options";
import { toAppError } from "@/lib/errors";

export const dynamic = "force-dynamic";

async function handler(req: NextRequest, ctx: { params: Promise<{ nextauth: string[] }> }): Promise<Response> {
  let request = req;
  if (req.body) {
    try {
      const body = await readBodyBytes(req);
      request = new NextRequest(req.url, { method: req.method, headers: req.headers, body: body.byteLength ? body : undefined });
    } catch (err) {
      const e = toAppError(err);
      return NextResponse.json({ error: { code: e.code, message: e.message } }, { status: e.httpStatus });
    }
  }
  return NextAuth(request as never, ctx as never, getAuthOptions()) as Promise<Response>;
}

export { handler as GET, handler as POST };
