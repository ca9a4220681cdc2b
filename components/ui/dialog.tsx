"use client";
// A modal on the native <dialog> element: focus is trapped and restored by the browser,
// Escape closes it (as Cancel).
import { useEffect, useRef, type ReactNode } from "react";
import { IconAlert, IconInfo } from "./icons";
import { Button } from "./primitives";

export function Dialog({
  open,
  onClose,
  title,
  tone = "red",
  children,
  action,
  labelledBy = "dialog-title",
}: {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  tone?: "red" | "amber" | "blue";
  children: ReactNode;
  /** the footer: Cancel (closes) and this action */
  action: { label: ReactNode; onClick: () => void; variant: "primary" | "danger"; loading?: boolean; disabled?: boolean };
  labelledBy?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={labelledBy}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      {open && (
        <>
          <div className="dialog-head">
            <div className={`dialog-icon ${tone}`}>{tone === "blue" ? <IconInfo size={18} /> : <IconAlert size={18} />}</div>
            <div style={{ paddingTop: 6 }}>
              <h2 id={labelledBy}>{title}</h2>
            </div>
          </div>
          <div className="dialog-body">{children}</div>
          <div className="dialog-foot">
            <Button onClick={onClose}>Cancel</Button>
            <Button variant={action.variant} disabled={action.disabled} loading={action.loading} onClick={action.onClick}>
              {action.label}
            </Button>
          </div>
        </>
      )}
    </dialog>
  );
}
