import Link from "next/link";

export default function NotFound() {
  return (
    <div className="auth-page">
      <div className="auth-card" style={{ textAlign: "center" }}>
        <h1>Page not found</h1>
        <p className="muted">There is nothing at this address.</p>
        <Link className="btn primary" href="/channels">
          Go to the channels
        </Link>
      </div>
    </div>
  );
}
