// Users at the target (/Users): found by userName, created, updated with PATCH or PUT,
// deleted. A user's resource is built by the mapping (lib/mapping); this part only sends it.
import { PATCH_SCHEMA, type TPatchOp } from "./protocol.ts";
import { ScimEndpoint, ZResource, type TCreated, type TScimResource, type TUncertainLog } from "./resources.ts";
import type { ScimTransport } from "./transport.ts";

export class ScimUsers {
  private readonly endpoint: ScimEndpoint;

  constructor(transport: ScimTransport, opts: { maxRetries: number; onUncertain?: TUncertainLog }) {
    this.endpoint = new ScimEndpoint(transport, "Users", "userName", opts);
  }

  /** The user as the target holds it, or null when it has no such user. */
  get(id: string): Promise<TScimResource | null> {
    return this.endpoint.get(id, ZResource, "a SCIM User");
  }

  findByUserName(userName: string): Promise<TScimResource | null> {
    return this.endpoint.find(userName);
  }

  /** Never duplicated: an answer lost after sending is resolved by finding the user by userName (`linked`). */
  create(resource: Record<string, unknown>): Promise<TCreated> {
    return this.endpoint.create(resource);
  }

  patch(id: string, ops: TPatchOp[]): Promise<TScimResource | null> {
    return this.endpoint.write("PATCH", id, { schemas: [PATCH_SCHEMA], Operations: ops });
  }

  put(id: string, resource: Record<string, unknown>): Promise<TScimResource | null> {
    return this.endpoint.write("PUT", id, { ...resource, id });
  }

  delete(id: string): Promise<void> {
    return this.endpoint.delete(id);
  }

  /** One page of the target's users, from startIndex (1-based); `next` is null after the last page. */
  page(startIndex: number, count: number): Promise<{ resources: TScimResource[]; next: number | null; total: number | undefined }> {
    return this.endpoint.page(startIndex, count);
  }

  count(): Promise<number | null> {
    return this.endpoint.count();
  }
}
