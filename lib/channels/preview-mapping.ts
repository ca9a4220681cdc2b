// "Preview mapping" on the channel form and the API: one directory user (found by DN,
// name or GUID) through a mapping as edited, before it is saved — the values the mapping
// gives (or the value it cannot compute), the SCIM resource a create would send, and,
// for a user the target already holds, the PATCH an update would send against what the
// target holds now (read from it). References (the manager) are resolved from the store
// as a push would. The edit is resolved as saving it would be (a kept secret only for its
// own hosts). Read-only: nothing is stored or sent but a GET; audited, as it reads the
// directory and the target with stored secrets.
import { recordAudit } from "../audit/record-audit.ts";
import type { TChannelEdit } from "../channel-config/config.ts";
import { resolveChannel } from "../channel-config/resolve.ts";
import { readStoredParts } from "../channel-config/stored.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { Directory } from "../ldap/directory.ts";
import { guidOf } from "../ldap/scope.ts";
import { heldValues, mapEntryChecked, patchOps, toResource, type TFlatValues } from "../mapping/map-entry.ts";
import { referencedDns, referenceKeys, resolveReferences } from "../mapping/references.ts";
import { scimIdsByDn } from "../records/user-references.ts";
import { ScimClient } from "../scim/client.ts";
import { USER_SCHEMA, type TPatchOp } from "../scim/protocol.ts";
import type { TActor } from "./actor.ts";
import { describeQuery, findDirectoryUser, type TUserQuery } from "./find-directory-user.ts";
import { requireChannel } from "./require-channel.ts";

export type TMappingPreview = {
  user: { dn: string; by: "dn" | "name" | "guid" };
  /** the mapped values, references as DNs */
  values: TFlatValues;
  /** the first mapping value that cannot be computed for this user: it would stay dirty with this error */
  error: string | null;
  /** what a create sends */
  resource: Record<string, unknown>;
  target:
    | { state: "absent" }
    | { state: "held"; id: string; resource: Record<string, unknown> }
    | { state: "unreachable"; error: string };
  /** what an update of the user the target holds would send (empty: nothing differs) */
  patch: TPatchOp[];
};

export async function previewMapping(options: { channelId?: number; config: TChannelEdit; user: TUserQuery } & TActor): Promise<TMappingPreview> {
  const existing = options.channelId !== undefined ? await requireChannel(options.channelId) : null;
  // refused secrets (400, naming each field) before the directory is asked anything
  const cfg = resolveChannel(options.config, existing ? readStoredParts(existing) : null);
  await recordAudit({ actor: options.actor, via: options.via, ...(existing ? { channelId: existing.id } : {}), action: "channel.preview-mapping", details: { user: describeQuery(options.user) } });
  const db = await getDb();
  const mapping = cfg.mapping.user;
  const dir = await Directory.open(cfg.source);
  let found;
  try {
    found = await findDirectoryUser(db, dir, { id: existing?.id ?? 0, source: cfg.source, mapping }, options.user);
  } finally {
    await dir.close();
  }
  if (!found) throw new AppError("NOT_FOUND", `no directory user with ${describeQuery(options.user)}`);
  const { values, error } = mapEntryChecked(found.entry, mapping);
  const keys = referenceKeys(mapping);
  const ids = existing ? await scimIdsByDn(db, existing.id, referencedDns(values, keys)) : new Map<string, string>();
  const sent = resolveReferences(values, keys, (dn) => ids.get(dn));
  const resource = { ...toResource(sent, USER_SCHEMA), active: true };

  // the user at the target: the one the store links, else the one its userName finds
  const guid = guidOf(found.entry, cfg.source);
  const record = existing && guid ? await db.userRecord.findUnique({ where: { channelId_guid: { channelId: existing.id, guid } }, select: { scimId: true, pushedValues: true } }) : null;
  const client = new ScimClient({ ...cfg.target, maxRetries: 0, timeoutMs: Math.min(cfg.target.timeoutMs, 10_000) });
  let target: TMappingPreview["target"];
  let patch: TPatchOp[] = [];
  try {
    const held = record?.scimId ? await client.users.get(record.scimId) : sent.userName !== undefined ? await client.users.findByUserName(String(sent.userName)) : null;
    if (!held) target = { state: "absent" };
    else {
      target = { state: "held", id: held.id, resource: held };
      // what Ferry last sent and no longer maps is removed, where the target still holds it
      const pushed = (record?.pushedValues ?? {}) as TFlatValues;
      const gone = Object.fromEntries(Object.entries(pushed).filter(([k]) => !(k in sent)));
      patch = patchOps(heldValues({ ...gone, ...sent }, held), sent, { byType: cfg.target.multiValuePatch === "by-type" });
    }
  } catch (err) {
    target = { state: "unreachable", error: (err as Error).message };
  } finally {
    await client.close();
  }
  return { user: { dn: found.entry.dn, by: found.by }, values, error: error?.message ?? null, resource, target, patch };
}
