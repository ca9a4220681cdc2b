"use client";
// --show-source and --show-target, plus the mapping and options, as stored (secrets masked).
import type { TMappingValue, TTargetProfile } from "@/lib/channel-config/config";
import { resolveTargetProfile, type TRateLimit } from "@/lib/scim/profiles";
import { Badge, Card, KeyValue, SkeletonRows } from "@/components/ui/primitives";
import { useChannel } from "./use-channel";

export function describeMapping(v: TMappingValue): { kind: string; value: string } {
  if (typeof v === "string") return { kind: "attribute", value: v };
  if ("attribute" in v) return { kind: v.transform && v.transform !== "none" ? `attribute, ${v.transform}-cased` : "attribute", value: v.attribute };
  if ("template" in v) return { kind: "template", value: v.template };
  if ("expression" in v) return { kind: "expression", value: v.expression };
  if ("reference" in v) return { kind: "reference to a user's DN", value: v.reference };
  return { kind: "literal", value: String(v.literal) };
}

const yes = (b: boolean | undefined) => (b ? <Badge tone="green">yes</Badge> : <Badge>no</Badge>);

export function ChannelConfig({ id }: { id: number }) {
  const q = useChannel(id);
  const c = q.data;
  if (!c) return <Card flush><SkeletonRows rows={8} cols={2} /></Card>;
  const s = c.source;
  const t = c.target;
  const dis = s.disabled;
  return (
    <div className="stack">
      <div className="grid-2">
        <Card title="Source" hint="provmgr --show-source">
          <KeyValue
            items={[
              ["Directory type", s.directoryType],
              ["URL", <code key="u">{s.url}</code>],
              ["TLS", s.url.startsWith("ldaps") ? "LDAPS" : s.startTls ? "StartTLS" : <span className="muted">none</span>],
              ["Bind DN", <code key="b">{s.bindDn}</code>],
              ["Bind password", <code key="p" data-testid="masked-bind-password">{s.bindPassword}</code>],
              ["Base DN", <code key="bd">{s.baseDn}</code>],
              [s.groupDn ? "Provisioning group" : "User filter", <code key="g" className="break">{s.groupDn ?? s.filter}</code>],
              ["Effective filter", <code key="f" className="break">{s.userFilter}</code>],
              ["As an LDAP URL", <code key="l" className="break">{s.ldapUrl}</code>],
              ["Group filter", s.groupFilter ? <code key="gf" className="break">{s.groupFilter}</code> : <span className="muted">no groups provisioned</span>],
              ["Group base DN", s.groupBaseDn ? <code key="gb">{s.groupBaseDn}</code> : <span className="muted">the base DN</span>],
              ["GUID attribute", <code key="ga">{s.guidAttribute}</code>],
              ["Timestamp attribute", <code key="ta">{s.timestampAttribute}</code>],
              ["Disabled users", dis.kind === "none" ? <span className="muted">not read</span> : dis.kind === "ad-uac" ? "userAccountControl bit 0x2" : <code key="d">{dis.attribute} = {dis.value}</code>],
              ["Page size", String(s.pageSize)],
              ["Change capture", s.changeCapture === "auto" ? "auto (the best the directory type offers)" : s.changeCapture],
              ["Sync mode", s.syncMode === "push" ? "push: a worker watches the directory" : "poll: every sync frequency"],
            ]}
          />
        </Card>
        <div className="stack">
          <Card title="Target" hint="provmgr --show-target">
            <KeyValue
              items={[
                ["SCIM URL", <code key="u" className="break">{t.url}</code>],
                ["Authentication", t.auth.type],
                ...(t.auth.type === "bearer" ? ([["Token", <code key="t" data-testid="masked-token">{t.auth.token}</code>]] as Array<[string, React.ReactNode]>) : []),
                ...(t.auth.type === "basic" ? ([["User", t.auth.username], ["Password", <code key="p">{t.auth.password}</code>]] as Array<[string, React.ReactNode]>) : []),
                ...(t.auth.type === "oauth2"
                  ? ([["Token URL", <code key="tu">{t.auth.tokenUrl}</code>], ["Client id", t.auth.clientId], ["Client secret", <code key="cs">{t.auth.clientSecret}</code>]] as Array<[string, React.ReactNode]>)
                  : []),
                ["PATCH", t.usePatch],
                ["Profile", profileSummary(t)],
                [
                  "User matching",
                  t.userMatching === "create-first" ? "create, link on 409 uniqueness" : t.userMatching === "inventory" ? "first load by the target's inventory, then look up" : "look up userName, then create",
                ],
                ["Concurrency", String(t.maxConcurrency)],
                ["Retries", String(t.maxRetries)],
                ["Timeout", `${t.timeoutMs / 1000} s`],
              ]}
            />
          </Card>
          <Card title="Provisioning options">
            <KeyValue
              items={[
                ["Create users", yes(c.options.createUsers)],
                ["Update users", yes(c.options.updateUsers)],
                ["Deprovision users", yes(c.options.deprovisionUsers)],
                ["Remove user action", c.options.removeUserAction === "delete" ? "delete" : "disable"],
                ["Provision disabled users", yes(c.options.provisionDisabledUsers)],
                ["Provision groups", yes(c.options.provisionGroups)],
                ["Sync frequency", `every ${c.syncFrequencySec} s`],
                ["Full read", c.options.fullSyncIntervalSec ? `every ${c.options.fullSyncIntervalSec} s` : "never"],
                ["Deprovisioning guard", `hold a cycle that would deprovision more than ${c.options.maxDeprovisionPercent}% (and more than ${c.options.deprovisionGuardMinimum} users)${c.options.maxDeprovisionCount ? `, or more than ${c.options.maxDeprovisionCount} at once` : ""}`],
              ]}
            />
          </Card>
        </div>
      </div>
      <Card title="Attribute mapping" hint="How LDAP attributes become SCIM attributes" flush>
        <table className="table" aria-label="Attribute mapping">
          <thead>
            <tr>
              <th>SCIM attribute</th>
              <th>From</th>
              <th>Value</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(c.mapping.user).map(([k, v]) => {
              const d = describeMapping(v);
              return (
                <tr key={k}>
                  <td className="mono small">{k}</td>
                  <td>
                    <Badge tone={d.kind.startsWith("attribute") ? "blue" : d.kind === "template" ? "violet" : "gray"}>{d.kind}</Badge>
                  </td>
                  <td className="mono small">{d.value}</td>
                </tr>
              );
            })}
            <tr>
              <td className="mono small">group displayName</td>
              <td>
                <Badge tone="blue">{describeMapping(c.mapping.group.displayName).kind}</Badge>
              </td>
              <td className="mono small">{describeMapping(c.mapping.group.displayName).value}</td>
            </tr>
          </tbody>
        </table>
      </Card>
    </div>
  );
}

/** The target's profile and the values it works with (the channel's own where it gives them). */
function profileSummary(t: { profile?: TTargetProfile | undefined; membersPerPatch?: number | undefined; pageSize?: number | undefined; rateLimit?: TRateLimit | undefined }): string {
  const e = resolveTargetProfile(t);
  const rate = e.rateLimit ? `, ${[e.rateLimit.requestsPerSecond && `${e.rateLimit.requestsPerSecond}/s`, e.rateLimit.writesPerMinute && `${e.rateLimit.writesPerMinute} writes/min`].filter(Boolean).join(", ")}` : "";
  return `${e.data.label}: ${e.membersPerPatch} members per request, pages of ${e.pageSize}${rate}${e.overridden.length ? ` (own ${e.overridden.join(", ")})` : ""}`;
}
