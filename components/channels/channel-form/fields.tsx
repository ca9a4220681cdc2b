"use client";
// The channel form's building blocks: a section with its intro, a labelled field with
// its hint or the server's problem, a checkbox, a secret input, and the props every
// section takes.
import type { CSSProperties, ReactNode } from "react";
import { secretText, type TChannelForm, type TSecretInput } from "./form-model";

export type TSectionProps = {
  form: TChannelForm;
  /** applies one of the form model's changes */
  update: (change: (f: TChannelForm) => TChannelForm) => void;
  /** the server's problem with a field ("source.url"), if any */
  error: (path: string) => string | undefined;
};

export function Section({ title, intro, children }: { title: string; intro: ReactNode; children: ReactNode }) {
  return (
    <div className="form-section">
      <div className="intro">
        <h3>{title}</h3>
        <p>{intro}</p>
      </div>
      <div className="stack">{children}</div>
    </div>
  );
}

export function Field({ id, label, hint, error, children }: { id: string; label: ReactNode; hint?: ReactNode; error?: string | undefined; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {error ? <div className="err">{error}</div> : hint ? <div className="hint">{hint}</div> : null}
    </div>
  );
}

export function Check({ checked, onChange, label, hint, id }: { checked: boolean; onChange: (v: boolean) => void; label: string; hint?: string; id: string }) {
  return (
    <label className="check" htmlFor={id}>
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span>
        <span className="label">{label}</span>
        {hint && <span className="hint">{hint}</span>}
      </span>
    </label>
  );
}

/** A secret: typed in, or (editing) left empty to keep the stored one, which the page never holds. */
export function SecretField({ id, label, value, onChange, editing, error }: { id: string; label: string; value: TSecretInput; onChange: (v: string) => void; editing: boolean; error?: string | undefined }) {
  return (
    <Field id={id} label={label} hint={editing ? "Leave empty to keep the stored secret (only while the host stays the same)." : undefined} error={error}>
      <input
        id={id}
        className="input"
        type="password"
        autoComplete="new-password"
        placeholder={editing ? "•••••••• (unchanged)" : ""}
        value={secretText(value)}
        onChange={(e) => onChange(e.target.value)}
      />
    </Field>
  );
}

/** A number input over the model's number (empty: the schema's default). */
export function NumberInput({
  id,
  value,
  onChange,
  min,
  max,
  placeholder,
}: {
  id: string;
  value: number | undefined;
  onChange: (v: string) => void;
  min?: number;
  max?: number;
  /** what applies when it is left empty */
  placeholder?: string;
}) {
  return <input id={id} className="input" type="number" inputMode="numeric" min={min} max={max} placeholder={placeholder} value={value ?? ""} onChange={(e) => onChange(e.target.value)} />;
}

/** A select over a closed set of values: what it hands back is one of them, no cast needed. */
export function Select<T extends string>({
  id,
  value,
  options,
  onChange,
  label,
  style,
}: {
  id?: string;
  value: T;
  options: ReadonlyArray<readonly [T, string]>;
  onChange: (v: T) => void;
  /** an aria-label, for a select without a <label> */
  label?: string;
  style?: CSSProperties;
}) {
  return (
    <select
      id={id}
      className="select"
      aria-label={label}
      style={style}
      value={value}
      onChange={(e) => {
        const picked = options.find(([v]) => v === e.target.value);
        if (picked) onChange(picked[0]);
      }}
    >
      {options.map(([v, text]) => (
        <option key={v} value={v}>
          {text}
        </option>
      ))}
    </select>
  );
}
