// Groups at the target (/Groups): found by displayName, read with their members,
// created with a first chunk of members, renamed and given member deltas with PATCH (or
// replaced whole with PUT), deleted. Members are SCIM ids of users at the target.
import { z } from "zod";
import { ScimError } from "./errors.ts";
import { GROUP_SCHEMA, PATCH_SCHEMA, type TPatchOp } from "./protocol.ts";
import { ScimEndpoint, ZResource, type TCreated, type TScimResource, type TUncertainLog } from "./resources.ts";
import type { ScimTransport } from "./transport.ts";

const ZGroup = ZResource.extend({
  displayName: z.string().optional(),
  members: z.array(z.object({ value: z.string() }).passthrough()).optional().nullable(),
});
export type TScimGroup = z.infer<typeof ZGroup>;
/** A group's attributes besides its name and members (groupMapping.externalId). */
export type TGroupExtra = { externalId?: string };

export class ScimGroups {
  private readonly endpoint: ScimEndpoint;

  constructor(transport: ScimTransport, opts: { maxRetries: number; onUncertain?: TUncertainLog }) {
    this.endpoint = new ScimEndpoint(transport, "Groups", "displayName", opts);
  }

  findByName(displayName: string): Promise<TScimResource | null> {
    return this.endpoint.find(displayName);
  }

  /** The group with its members, or null when the target has no such group. */
  get(id: string): Promise<TScimGroup | null> {
    return this.endpoint.get(id, ZGroup, "a SCIM Group");
  }

  /** false once the target refused `attributes=members`: the whole group is read from then on */
  private membersOnly = true;

  /**
   * The group's members only (`attributes=members`, RFC 7644 §3.9), for comparing with the
   * directory's; null when the target has no such group. A target that ignores the
   * parameter sends the whole group, which reads the same; one that refuses it (400) is
   * asked for the whole group, now and for the rest of this client's cycle.
   */
  async members(id: string): Promise<string[] | null> {
    let g: TScimGroup | null;
    try {
      g = await this.endpoint.get(id, ZGroup, "a SCIM Group", this.membersOnly ? { attributes: "members" } : undefined);
    } catch (err) {
      if (!(this.membersOnly && err instanceof ScimError && err.status === 400)) throw err;
      this.membersOnly = false;
      g = await this.endpoint.get(id, ZGroup, "a SCIM Group");
    }
    return g ? (g.members ?? []).map((m) => m.value) : null;
  }

  /** Never duplicated: an answer lost after sending is resolved by finding the group by displayName (`linked`). */
  create(displayName: string, memberIds: string[], extra: TGroupExtra = {}): Promise<TCreated> {
    return this.endpoint.create({ schemas: [GROUP_SCHEMA], displayName, ...extra, members: memberIds.map((value) => ({ value })) });
  }

  patch(id: string, ops: TPatchOp[]): Promise<TScimResource | null> {
    return this.endpoint.write("PATCH", id, { schemas: [PATCH_SCHEMA], Operations: ops });
  }

  put(id: string, displayName: string, memberIds: string[], extra: TGroupExtra = {}): Promise<TScimResource | null> {
    return this.endpoint.write("PUT", id, { schemas: [GROUP_SCHEMA], id, displayName, ...extra, members: memberIds.map((value) => ({ value })) });
  }

  delete(id: string): Promise<void> {
    return this.endpoint.delete(id);
  }

  /** false once the target refused `excludedAttributes=members` on a listing */
  private listWithoutMembers = true;

  /**
   * One page of the target's groups, without their members where the target allows it
   * (`excludedAttributes=members`, RFC 7644 §3.4.2.5: a page of big groups is megabytes);
   * a target that refuses the parameter (400) is asked for whole groups from then on.
   */
  async page(startIndex: number, count: number): Promise<{ resources: TScimResource[]; next: number | null; total: number | undefined }> {
    if (this.listWithoutMembers) {
      try {
        return await this.endpoint.page(startIndex, count, { excludedAttributes: "members" });
      } catch (err) {
        if (!(err instanceof ScimError && err.status === 400)) throw err;
        this.listWithoutMembers = false;
      }
    }
    return this.endpoint.page(startIndex, count);
  }

  count(): Promise<number | null> {
    return this.endpoint.count();
  }
}
