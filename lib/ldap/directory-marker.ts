// Where the whole directory stands, as one string that moves on every write: OpenLDAP's
// contextCSN of each naming context (syncprov keeps it), Active Directory's
// highestCommittedUSN, 389-DS's lastchangenumber (the retro changelog). An incremental
// cycle that finds it where the last complete listing of the groups left it, with the same
// group settings, has no group to look at (lib/sync/read-groups.ts). null where the
// directory keeps no such marker (syncprov off, no retro changelog, a generic server),
// or cannot be asked: the groups are then listed, as always.
import type { TSource } from "../channel-config/stored.ts";
import type { Directory } from "./directory.ts";

export async function directoryChangeMarker(dir: Directory, source: Pick<TSource, "directoryType">): Promise<string | null> {
  try {
    switch (source.directoryType) {
      case "active-directory": {
        const v = (await dir.rootDse(["highestCommittedUSN"])).attrs.highestcommittedusn?.[0];
        return v && /^\d+$/.test(v) ? `usn:${v}` : null;
      }
      case "389ds": {
        const v = (await dir.rootDse(["lastchangenumber"])).attrs.lastchangenumber?.[0];
        return v && /^\d+$/.test(v) ? `changelog:${v}` : null;
      }
      case "openldap": {
        // every naming context: a nested group, or a member, may live in another database
        const contexts = (await dir.rootDse(["namingContexts"])).attrs.namingcontexts ?? [];
        if (contexts.length === 0) return null;
        const parts: string[] = [];
        for (const dn of contexts) {
          const csns = (await dir.read(dn, ["contextCSN"]))?.attrs.contextcsn;
          if (!csns?.length) return null;
          parts.push(`${dn.toLowerCase()}=${[...csns].sort().join(",")}`);
        }
        return `csn:${parts.join(";")}`;
      }
      default:
        return null;
    }
  } catch {
    return null;
  }
}
