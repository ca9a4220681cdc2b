// A running cycle's progress: a bar (or a sliding one while the total is unknown) and
// what it is doing, in the words provmgr --show-channels uses (lib/health/cycle-progress.ts).
import { describeProgress, type TCycleProgress } from "@/lib/health/cycle-progress";

export function CycleProgress({ progress, compact }: { progress: TCycleProgress | null; compact?: boolean }) {
  if (!progress) {
    return (
      <div className="progress" data-testid="cycle-progress">
        <div className="progress-track indeterminate" role="progressbar" aria-label="cycle progress">
          <div className="progress-fill" />
        </div>
        {!compact && <span className="progress-text">starting…</span>}
      </div>
    );
  }
  const d = describeProgress(progress);
  return (
    <div className="progress" data-testid="cycle-progress" title={d.text}>
      <div
        className={`progress-track${d.percent === null ? " indeterminate" : ""}`}
        role="progressbar"
        aria-label="cycle progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={d.percent ?? undefined}
      >
        <div className="progress-fill" style={d.percent !== null ? { width: `${Math.max(2, d.percent)}%` } : undefined} />
      </div>
      <span className="progress-text" data-testid="cycle-progress-text">
        {d.percent !== null ? `${d.percent}% · ` : ""}
        {compact && d.text.length > 90 ? `${d.text.slice(0, 90)}…` : d.text}
      </span>
    </div>
  );
}
