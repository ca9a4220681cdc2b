// What an admin should know about Active Directory change capture before relying on it,
// for "Test connection": whether DirSync is allowed to this bind account (else the
// channel follows uSNChanged), and whether it can read the tombstones in
// CN=Deleted Objects (else a deleted user waits for the next full reconciliation).
import type { TSource } from "../../channel-config/stored.ts";
import { ShowDeletedControl } from "../controls/ad-controls.ts";
import type { Directory } from "../directory.ts";
import { userAttributes, userScopeFilter } from "../scope.ts";
import { namingContextOf } from "./ad-common.ts";
import { dirsyncFeed } from "./dirsync.ts";

export async function adChangeCaptureWarnings(dir: Directory, source: TSource): Promise<string[]> {
  if (source.directoryType !== "active-directory" || source.changeCapture === "timestamp") return [];
  const warnings: string[] = [];
  let followsUsn = source.changeCapture === "usn";
  if (!followsUsn) {
    const cookie = await dirsyncFeed.start({ dir, source, filter: userScopeFilter(source), attributes: userAttributes(source), since: null });
    if (cookie.startsWith("usn:")) {
      followsUsn = true;
      warnings.push(
        "DirSync is refused to this account (it lacks the \"Replicating Directory Changes\" right on the domain): incremental cycles follow uSNChanged instead.",
      );
    }
  }
  if (followsUsn && !(await canReadTombstones(dir, source))) {
    warnings.push(
      "This account cannot read CN=Deleted Objects: a deleted user is seen only by the next full reconciliation. Grant it List Contents and Read Property there (dsacls \"CN=Deleted Objects,…\" /G DOMAIN\\account:LCRP).",
    );
  }
  return warnings;
}

/**
 * Whether the account may read the Deleted Objects container's own properties: the
 * container is visible to everyone, its attributes only with Read Property (granted with
 * List Contents, which lets the tombstones below be found; an empty container cannot
 * tell the two apart).
 */
async function canReadTombstones(dir: Directory, source: TSource): Promise<boolean> {
  const nc = await namingContextOf(dir, source.baseDn);
  try {
    for await (const e of dir.search(`CN=Deleted Objects,${nc}`, "(objectClass=*)", ["isDeleted"], "base", [new ShowDeletedControl()])) {
      return (e.attrs.isdeleted?.[0] ?? "").toUpperCase() === "TRUE";
    }
    return false;
  } catch {
    return false;
  }
}
