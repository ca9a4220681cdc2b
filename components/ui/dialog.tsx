"use client";
// A modal on the native <dialog> element: focus is trapped and restored by the browser,
// Escape closes it (as Cancel).
import { useEffect, useRef, type ReactNode } from "react";
import { IconAlert, IconInfo } from "./icons";

export function Dialog({
  open,
  onClose,
  title,
  tone = "red",
  children,
  footer,
  labelledBy = "dialog-title",
}: {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  tone?: "red" | "amber" | "blue";
  children: ReactNode;
  footer: ReactNode;
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
          <div className="dialog-foot">{footer}</div>
        </>
      )}
    </dialog>
  );
}
