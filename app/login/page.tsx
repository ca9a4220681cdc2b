import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { readViewer } from "@/lib/auth/read-viewer";
import { LoginForm } from "./login-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in" };

export default async function LoginPage() {
  // already signed in: straight to the console
  const viewer = await readViewer({ authorization: null, cookies: await cookies() }).catch(() => null);
  if (viewer) redirect("/channels");
  return (
    <div className="auth-page">
      <LoginForm />
    </div>
  );
}
