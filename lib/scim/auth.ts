// The Authorization header a target gets, for the three schemes a channel can name:
// bearer and basic (built once per client, so a secret is decrypted once per cycle, not
// per request) and OAuth2 client credentials (a token fetched from the token endpoint,
// kept until 30 s before it expires, and fetched again after the target answers 401).
import { z } from "zod";
import type { TAuth } from "../channel-config/stored.ts";
import { decryptSecret } from "../crypto/secrets.ts";
import { ScimError } from "./errors.ts";
import { safeJson, type HttpConnections } from "./http.ts";

const ZToken = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().optional() }).passthrough();

export class ScimAuth {
  private staticHeader?: string;
  private oauthToken?: { value: string; expiresAt: number };

  constructor(
    private readonly auth: TAuth,
    /** the client's connections: the token request shares its pool */
    private readonly http: HttpConnections,
  ) {}

  async header(): Promise<string> {
    const auth = this.auth;
    if (this.staticHeader) return this.staticHeader;
    if (auth.type === "bearer") return (this.staticHeader = `Bearer ${decryptSecret(auth.token)}`);
    if (auth.type === "basic") {
      return (this.staticHeader = `Basic ${Buffer.from(`${auth.username}:${decryptSecret(auth.password)}`).toString("base64")}`);
    }
    if (this.oauthToken && this.oauthToken.expiresAt > Date.now() + 30_000) return `Bearer ${this.oauthToken.value}`;
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    if (auth.scope) form.set("scope", auth.scope);
    const res = await this.http
      .exchange(`POST ${auth.tokenUrl}`, auth.tokenUrl, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(decryptSecret(auth.clientSecret))}`).toString("base64")}`,
        },
        body: form.toString(),
      })
      .catch((err: ScimError) => {
        throw new ScimError("transient", `OAuth token endpoint ${auth.tokenUrl} unreachable: ${err.message.replace(/^POST \S+: /, "")}`);
      });
    if (res.status < 200 || res.status >= 300) {
      throw new ScimError(res.status >= 500 ? "transient" : "fatal", `OAuth token endpoint answered ${res.status}`, { status: res.status });
    }
    if (res.text === null) throw new ScimError("transient", `OAuth token endpoint: answer cut off (${res.bodyError})`);
    const parsed = ZToken.safeParse(safeJson(res.text));
    if (!parsed.success) throw new ScimError("fatal", "OAuth token endpoint answered without an access_token");
    this.oauthToken = { value: parsed.data.access_token, expiresAt: Date.now() + (parsed.data.expires_in ?? 300) * 1000 };
    return `Bearer ${this.oauthToken.value}`;
  }

  /** The target answered 401: an OAuth token is fetched again for the next request (a static credential stays). */
  rejected(): void {
    this.oauthToken = undefined;
  }
}
