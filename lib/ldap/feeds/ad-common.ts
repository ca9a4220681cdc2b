// What the two Active Directory feeds (dirsync.ts, usn.ts) share: where to look (the
// naming context holding the base DN — a user moved out of the base is still inside it,
// and is seen leaving) and how an entry they return becomes a change for the cycle.
import type { TChangeBatch, TFeedRequest } from "../change-feed.ts";
import type { Directory, TLdapEntry } from "../directory.ts";
import { firstValue, guidOf } from "../scope.ts";
import { AppError } from "../../errors.ts";

/** Users and groups — tombstones included: a deleted object keeps its objectClass (not its objectCategory). */
export const AD_CHANGE_FILTER = "(|(objectClass=user)(objectClass=group))";

const norm = (dn: string) => dn.toLowerCase().replace(/\s*([,=])\s*/g, "$1");

/** The naming context (domain partition) that holds `baseDn`, from the root DSE. */
export async function namingContextOf(dir: Directory, baseDn: string): Promise<string> {
  const root = await dir.rootDse(["namingContexts", "defaultNamingContext"]);
  const base = norm(baseDn);
  const candidates = [...(root.attrs.namingcontexts ?? []), ...(root.attrs.defaultnamingcontext ?? [])];
  let best: string | undefined;
  for (const nc of candidates) {
    const n = norm(nc);
    if ((base === n || base.endsWith(`,${n}`)) && (!best || n.length > norm(best).length)) best = nc;
  }
  if (!best) throw new AppError("LDAP_ERROR", `no naming context of ${dir.source.url} holds the base DN ${baseDn} (root DSE lists ${candidates.join("; ") || "none"})`);
  return best;
}

/**
 * Sorts what an AD feed returned: tombstones are gone (deleted); a group whose members
 * changed may change who is in scope (nested groups, a memberOf filter), so the scope is
 * read again; any other object changed somewhere in the domain, and the cycle reads it
 * again by GUID with the scope filter (in scope: decided; not: it left, or was moved out
 * of the base).
 */
export function classifyAdEntries(req: TFeedRequest, entries: TLdapEntry[]): TChangeBatch {
  const gone: Array<{ guid: string; deleted: boolean }> = [];
  const changed: string[] = [];
  let scopeChanged = false;
  const member = req.source.memberAttribute.toLowerCase();
  for (const e of entries) {
    const guid = guidOf(e, req.source);
    if (!guid) continue;
    if ((firstValue(e, "isDeleted") ?? "").toUpperCase() === "TRUE") {
      gone.push({ guid, deleted: true });
      continue;
    }
    const classes = (e.attrs.objectclass ?? []).map((c) => c.toLowerCase());
    const isGroup = classes.includes("group") || Object.keys(e.attrs).some((k) => k === member || k.startsWith(`${member};range=`));
    if (isGroup) scopeChanged = true;
    else changed.push(guid);
  }
  return { gone, changed, scopeChanged };
}
