// The SCIM 2.0 client (RFC 7644) a cycle holds for one target: one pool of keep-alive
// connections, one concurrency limit and one 429 pause shared by every request, so users
// and groups are sent through the same transport. Its parts:
//   protocol.ts   the URNs and PATCH shape (shared with lib/mapping)
//   http.ts       one HTTP exchange; network failures classified by whether the request left
//   auth.ts       bearer, basic, OAuth2 client credentials
//   transport.ts  SCIM requests: auth, answers classified (errors.ts), retries, Retry-After
//   discovery.ts  /ServiceProviderConfig
//   resources.ts  find, create, write, delete on one endpoint; uncertain writes resolved by looking
//   users.ts, groups.ts
import type { TTarget } from "../channel-config/stored.ts";
import { ScimAuth } from "./auth.ts";
import { discover, type TCapabilities } from "./discovery.ts";
import { ScimGroups } from "./groups.ts";
import { probeTarget, type TProbeFindings } from "./probe.ts";
import { HttpConnections } from "./http.ts";
import type { TUncertainLog } from "./resources.ts";
import { readSchemas, type TScimSchema } from "./schemas.ts";
import { ScimTransport, type TTransportOptions } from "./transport.ts";
import { ScimUsers } from "./users.ts";

export type TScimClientOptions = TTransportOptions & {
  /** an uncertain write and how it was resolved, for logs */
  onUncertain?: TUncertainLog;
};

export class ScimClient {
  private readonly http: HttpConnections;
  private readonly transport: ScimTransport;
  private capabilities?: TCapabilities;
  readonly users: ScimUsers;
  readonly groups: ScimGroups;

  constructor(
    readonly target: TTarget,
    opts: TScimClientOptions = {},
  ) {
    // one pool of connections per client (a cycle), shared by the token endpoint and the target
    this.http = new HttpConnections(target.timeoutMs, target.maxConcurrency);
    this.transport = new ScimTransport(target, this.http, new ScimAuth(target.auth, this.http), opts);
    const resourceOpts = { maxRetries: target.maxRetries, onUncertain: opts.onUncertain };
    this.users = new ScimUsers(this.transport, resourceOpts);
    this.groups = new ScimGroups(this.transport, resourceOpts);
  }

  /** Requests sent so far (each attempt counts). */
  get requests(): number {
    return this.transport.requests;
  }

  /** The target's capabilities, asked once per client. */
  async discover(): Promise<TCapabilities> {
    this.capabilities ??= await discover(this.transport);
    return this.capabilities;
  }

  /** The conformance probe (probe.ts): harmless requests that find what the target really does. */
  async probe(): Promise<TProbeFindings> {
    return probeTarget(this.transport, (await this.discover()).raw);
  }

  /** The target's /Schemas (schemas.ts); null when it has none. */
  async schemas(): Promise<Map<string, TScimSchema> | null> {
    return readSchemas(this.transport);
  }

  async usePatch(): Promise<boolean> {
    if (this.target.usePatch === "always") return true;
    if (this.target.usePatch === "never") return false;
    return (await this.discover()).patch;
  }

  /**
   * A fenced or aborted cycle sends nothing more: requests waiting for a slot, and any
   * made later, fail at once without touching the network; requests already on the wire finish.
   */
  stop(): void {
    this.transport.stop();
  }

  /** Closes the client's connections; requests still running fail, later ones are refused. */
  async close(): Promise<void> {
    this.transport.stop();
    await this.http.close();
  }
}
