import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { readViewer } from "@/lib/auth/read-viewer";
import { HOME_PATH, safeReturnPath } from "@/lib/auth/return-path";
import { LoginForm } from "./login-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  // ?next= is where the visitor was going: a path of this console, or the home page
  // (never another site: lib/auth/return-path.ts)
  const next = safeReturnPath((await searchParams).next) ?? HOME_PATH;
  // already signed in: straight there
  const viewer = await readViewer({ authorization: null, cookies: await cookies() }).catch(() => null);
  if (viewer) redirect(next);
  return (
    <div className="auth-page">
      <LoginForm next={next} />
    </div>
  );
}
