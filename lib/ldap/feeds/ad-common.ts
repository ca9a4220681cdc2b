// What the two Active Directory feeds (dirsync.ts, usn.ts) share: where to look (the
// naming context holding the base DN — a user moved out of the base is still inside it,
// and is seen leaving) and how an entry they return becomes a change for the cycle.
import { guidFilter, type TChangeBatch, type TFeedRequest } from "../change-feed.ts";
import { escapeFilterValue, type Directory, type TLdapEntry } from "../directory.ts";
import { firstValue, guidOf, IN_CHAIN } from "../scope.ts";
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
 * Sorts what an AD feed returned: tombstones are gone (deleted); any other object changed
 * somewhere in the domain, and the cycle reads it again by GUID with the scope filter (in
 * scope: decided; not: it left, or was moved out of the base). A group whose members
 * changed, or a deleted group, may change who is in scope: then the scope is read again
 * (see scopeMayHaveChanged).
 */
export async function adBatch(req: TFeedRequest, nc: string, entries: TLdapEntry[]): Promise<TChangeBatch> {
  const gone: Array<{ guid: string; deleted: boolean }> = [];
  const changed: string[] = [];
  const groups: string[] = [];
  /** a tombstone that is (or may be) a group's: DirSync returns only changed attributes, so its class is often unknown */
  let groupTombstone = false;
  const member = req.source.memberAttribute.toLowerCase();
  for (const e of entries) {
    const guid = guidOf(e, req.source);
    if (!guid) continue;
    const classes = (e.attrs.objectclass ?? []).map((c) => c.toLowerCase());
    if ((firstValue(e, "isDeleted") ?? "").toUpperCase() === "TRUE") {
      gone.push({ guid, deleted: true });
      if (classes.length === 0 || classes.includes("group")) groupTombstone = true;
      continue;
    }
    const isGroup = classes.includes("group") || Object.keys(e.attrs).some((k) => k === member || k.startsWith(`${member};range=`));
    if (isGroup) groups.push(guid);
    else changed.push(guid);
  }
  const scopeChanged = await scopeMayHaveChanged(req, nc, groups, groupTombstone);
  return { gone, changed, scopeChanged };
}

/**
 * Whether a change to these groups can change who is in scope, asked as cheaply as the
 * scope allows:
 *  - members of the provisioning group, not nested: only that group decides, and its own
 *    change marker already has the cycle read the whole scope — no;
 *  - nested: only if a changed group is the provisioning group or inside it
 *    (LDAP_MATCHING_RULE_IN_CHAIN, one search per 200 groups), or a group was deleted
 *    (its links are gone with it, and nothing else moves);
 *  - a filter: only if it mentions memberOf, and then any group change counts.
 */
async function scopeMayHaveChanged(req: TFeedRequest, nc: string, groups: string[], groupTombstone: boolean): Promise<boolean> {
  const { source } = req;
  if (groups.length === 0 && !groupTombstone) return false;
  if (!source.groupDn) return /memberof/i.test(source.filter ?? "");
  if (!source.nestedGroups) return false;
  if (groupTombstone) return true;
  const dn = escapeFilterValue(source.groupDn);
  for (let i = 0; i < groups.length; i += 200) {
    const filter = `(&(objectClass=group)${guidFilter(source, groups.slice(i, i + 200))}(|(distinguishedName=${dn})(memberOf:${IN_CHAIN}:=${dn})))`;
    for await (const _ of req.dir.search(nc, filter, [source.guidAttribute])) return true;
  }
  return false;
}
