// What an admin should know about 389-DS change capture before relying on it, for "Test
// connection": whether the bind account can follow the retro changelog (else incremental
// cycles follow modifyTimestamp, and a deleted user or one moved out of the base waits for
// the next full reconciliation when nothing else — the provisioning group — moves), and
// whether the changelog names entries by nsUniqueId (targetUniqueId).
import type { TSource } from "../../channel-config/stored.ts";
import { changeFeedFor } from "../change-feeds.ts";
import type { Directory } from "../directory.ts";
import { firstValue } from "../scope.ts";
import { changelogUnavailable } from "./changelog.ts";

export async function dsChangeCaptureWarnings(dir: Directory, source: TSource): Promise<string[]> {
  if (source.directoryType !== "389ds" || changeFeedFor(source).kind !== "changelog") return [];
  const why = await changelogUnavailable({ dir });
  if (why) {
    return [
      `Incremental cycles follow modifyTimestamp instead of the retro changelog: ${why}. A deleted user, or one moved out of the base, is then seen only through the provisioning group or by the next full reconciliation. Enable the Retro Changelog plugin with "nsslapd-attribute: nsuniqueid:targetUniqueId" and let this account read cn=changelog.`,
    ];
  }
  // the newest change carries targetUniqueId when the plugin is configured for it
  const root = await dir.rootDse(["lastchangenumber"]);
  const last = firstValue(root, "lastchangenumber");
  if (last && last !== "0") {
    const e = await dir.read(`changeNumber=${last},cn=changelog`, ["targetUniqueId"]);
    if (e && !firstValue(e, "targetUniqueId")) {
      return [
        'The retro changelog does not record targetUniqueId: a deletion cannot be matched to a user, and incremental cycles read everything instead. Add "nsslapd-attribute: nsuniqueid:targetUniqueId" to the Retro Changelog plugin (dsconf INSTANCE plugin retro-changelog set --attribute nsuniqueid:targetUniqueId) and restart.',
      ];
    }
  }
  return [];
}
