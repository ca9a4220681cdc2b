// The console's building blocks. Server- and client-safe (no hooks here).
import { Fragment, type ButtonHTMLAttributes, type ReactNode } from "react";
import { IconAlert, IconCheck, IconInfo } from "./icons";

export type TTone = "green" | "red" | "amber" | "blue" | "violet" | "gray";

export function Badge({
  tone = "gray",
  dot,
  pulse,
  children,
  title,
  testId,
}: {
  tone?: TTone;
  dot?: boolean;
  pulse?: boolean;
  children: ReactNode;
  title?: string;
  testId?: string;
}) {
  return (
    <span className={`badge ${tone}${pulse ? " pulse" : ""}`} title={title} data-testid={testId}>
      {dot && <span className="dot" />}
      {children}
    </span>
  );
}

export function Button({
  variant = "default",
  size,
  loading,
  children,
  className,
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: "default" | "primary" | "danger" | "danger-outline" | "ghost"; size?: "sm"; loading?: boolean }) {
  return (
    <button type="button" className={`btn ${variant === "default" ? "" : variant} ${size ?? ""} ${className ?? ""}`} disabled={rest.disabled || loading} {...rest}>
      {loading && <span className="spinner" />}
      {children}
    </button>
  );
}

export function Card({ title, hint, actions, children, flush, footer, id }: { title?: ReactNode; hint?: ReactNode; actions?: ReactNode; children: ReactNode; flush?: boolean; footer?: ReactNode; id?: string }) {
  return (
    <section className="card" id={id}>
      {(title || actions) && (
        <div className="card-head">
          <div>
            {title && <h2>{title}</h2>}
            {hint && <div className="hint">{hint}</div>}
          </div>
          {actions && <div className="actions">{actions}</div>}
        </div>
      )}
      <div className={`card-body${flush ? " flush" : ""}`}>{children}</div>
      {footer && <div className="card-foot">{footer}</div>}
    </section>
  );
}

export function Banner({ tone = "blue", title, children, action }: { tone?: "red" | "amber" | "blue" | "green"; title?: ReactNode; children?: ReactNode; action?: ReactNode }) {
  const Icon = tone === "green" ? IconCheck : tone === "blue" ? IconInfo : IconAlert;
  return (
    <div className={`banner ${tone}`} role={tone === "red" ? "alert" : "status"}>
      <Icon size={18} />
      <div style={{ flex: 1, minWidth: 0 }}>
        {title && <div className="b-title">{title}</div>}
        {children && <div className="b-body">{children}</div>}
      </div>
      {action}
    </div>
  );
}

export function EmptyState({ icon, title, children, action }: { icon?: ReactNode; title: ReactNode; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      {icon && <div className="e-icon">{icon}</div>}
      <h3>{title}</h3>
      {children && <p>{children}</p>}
      {action}
    </div>
  );
}

export function Stat({ label, value, foot, tone }: { label: ReactNode; value: ReactNode; foot?: ReactNode; tone?: "red" | "amber" | "green" }) {
  return (
    <div className={`stat${tone ? ` tone-${tone}` : ""}`}>
      <div className="label">{label}</div>
      <div className="value">{value}</div>
      {foot && <div className="foot">{foot}</div>}
    </div>
  );
}

export function KeyValue({ items }: { items: Array<[ReactNode, ReactNode]> }) {
  return (
    <dl className="kv">
      {items.map(([k, v], i) => (
        <Fragment key={i}>
          <dt>{k}</dt>
          <dd>{v ?? <span className="muted">—</span>}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

export function PageHead({ title, sub, actions, crumbs }: { title: ReactNode; sub?: ReactNode; actions?: ReactNode; crumbs?: ReactNode }) {
  return (
    <div className="page-head">
      <div style={{ minWidth: 0 }}>
        {crumbs && <div className="crumbs">{crumbs}</div>}
        <h1>{title}</h1>
        {sub && <div className="sub">{sub}</div>}
      </div>
      {actions && <div className="actions">{actions}</div>}
    </div>
  );
}

export function SkeletonRows({ rows = 5, cols = 5 }: { rows?: number; cols?: number }) {
  return (
    <table className="table">
      <tbody>
        {Array.from({ length: rows }, (_, r) => (
          <tr key={r}>
            {Array.from({ length: cols }, (_, c) => (
              <td key={c}>
                <div className="skeleton" style={{ width: `${50 + ((r * 7 + c * 13) % 45)}%` }} />
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Field({ label, hint, error, children, htmlFor }: { label: ReactNode; hint?: ReactNode; error?: string | null; children: ReactNode; htmlFor?: string }) {
  return (
    <div className="field">
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {error ? <div className="err">{error}</div> : hint ? <div className="hint">{hint}</div> : null}
    </div>
  );
}

export function fmtNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : n.toLocaleString("en-US");
}
