"use client";
import { signIn } from "next-auth/react";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { Banner, Button, Field } from "@/components/ui/primitives";
import { IconLogo } from "@/components/ui/icons";

function Form({ next }: { next: string }) {
  const router = useRouter();
  const params = useSearchParams();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(params.get("error") && params.get("error") !== "CredentialsSignin" ? params.get("error") : null);
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const res = await signIn("credentials", { username, password, redirect: false });
    if (!res || res.error) {
      setBusy(false);
      setError(res?.error && res.error !== "CredentialsSignin" ? res.error : "Wrong user name or password.");
      return;
    }
    // `next` was checked on the server (a path of this console only)
    router.replace(next);
    router.refresh();
  }

  return (
    <form className="auth-card" onSubmit={submit} aria-label="Sign in">
      <div className="brand">
        <IconLogo size={30} />
        <div>
          Ferry
          <small>LDAP → SCIM provisioning</small>
        </div>
      </div>
      <h1>Sign in</h1>
      <p className="muted" style={{ marginTop: 0 }}>Use your Ferry console account.</p>
      <div className="stack">
        {error && <Banner tone="red">{error.charAt(0).toUpperCase() + error.slice(1)}</Banner>}
        <Field label="User name" htmlFor="username">
          <input id="username" name="username" className="input" autoComplete="username" autoFocus required value={username} onChange={(e) => setUsername(e.target.value)} />
        </Field>
        <Field label="Password" htmlFor="password">
          <input id="password" name="password" type="password" className="input" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <Button type="submit" variant="primary" loading={busy} style={{ width: "100%", padding: "9px 14px" }}>
          Sign in
        </Button>
      </div>
    </form>
  );
}

export function LoginForm({ next }: { next: string }) {
  return (
    <Suspense>
      <Form next={next} />
    </Suspense>
  );
}
