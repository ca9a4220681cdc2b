// The states the console's record lists filter by. Pure data (the browser uses it too).
export const RECORD_STATES = ["provisioned", "inactive", "absent", "dirty", "failing", "out-of-scope", "disabled-in-directory", "deleted-in-directory", "held"] as const;
export type TRecordState = (typeof RECORD_STATES)[number];

export const RECORD_STATE_LABELS: Record<TRecordState, string> = {
  provisioned: "Provisioned (active at the target)",
  inactive: "Disabled at the target",
  absent: "Not at the target",
  dirty: "Dirty (waiting for the target)",
  failing: "Failing (last push had an error)",
  "out-of-scope": "Left the scope",
  "disabled-in-directory": "Disabled in the directory",
  "deleted-in-directory": "Deleted from the directory",
  held: "Held for approval (deprovisioning)",
};
