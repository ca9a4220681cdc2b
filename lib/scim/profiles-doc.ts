// The tables of docs/target-profiles.md, rendered from TARGET_PROFILE_DATA so the page and
// the data cannot drift apart (profiles.test.ts compares them). Regenerate the page's
// generated part with: npx tsx -e 'import("./lib/scim/profiles-doc.ts").then((m) => console.log(m.profilesMarkdown()))'
import { TARGET_PROFILES } from "../channel-config/config.ts";
import { TARGET_PROFILE_DATA, type TTargetProfileData } from "./profiles.ts";

const cell = (v: string) => v.replace(/\|/g, "\\|");

function value(key: keyof TTargetProfileData["sources"], d: TTargetProfileData): string {
  switch (key) {
    case "rateLimit":
      return d.rateLimit ? Object.entries(d.rateLimit).map(([k, v]) => `${k} ${v}`).join(", ") : "none published";
    case "filters":
      return d.filters.join(" ");
    case "patch":
      return `${d.patch.supported ? "yes" : "no"}${d.patch.replaceMembers ? "" : " (no replace of members)"}`;
    case "requiredAttributes":
      return d.requiredAttributes.join(", ");
    case "nameLimits":
      return Object.entries(d.nameLimits).map(([k, v]) => `${k} ≤ ${v}`).join(", ") || "—";
    case "paging":
      return d.paging === false ? "no (startIndex ignored)" : "yes";
    default: {
      const v = d[key];
      return v === undefined ? "—" : String(v);
    }
  }
}

const ROWS: Array<[keyof TTargetProfileData["sources"], string]> = [
  ["pageSize", "page size"],
  ["paging", "can be listed whole"],
  ["membersPerPatch", "members per request"],
  ["maxGroupMembers", "members per group"],
  ["rateLimit", "rate limit"],
  ["filters", "filters"],
  ["patch", "PATCH"],
  ["bulk", "/Bulk"],
  ["requiredAttributes", "required attributes"],
  ["nameLimits", "name lengths"],
  ["deprovision", "deprovisioning"],
  ["groupRename", "groups can be renamed"],
];

export function profilesMarkdown(): string {
  const out: string[] = [];
  for (const p of TARGET_PROFILES) {
    const d = TARGET_PROFILE_DATA[p];
    out.push(`### \`${p}\`: ${d.label}`, "", `Documentation: ${d.docs}`, "", "| value | | where it came from |", "|---|---|---|");
    const fallback = p === "generic" ? "Ferry's choice" : "not documented by the vendor: as the generic profile";
    for (const [key, label] of ROWS) out.push(`| ${label} | ${cell(value(key, d))} | ${cell(d.sources[key] ?? (key === "paging" ? "RFC 7644 §3.4.2.4 (assumed)" : fallback))} |`);
    out.push("");
    for (const n of d.notes) out.push(`- ${n}`);
    out.push("");
  }
  return out.join("\n").trimEnd();
}
