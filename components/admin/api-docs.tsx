"use client";
import { useQuery } from "@tanstack/react-query";
import { api } from "@/components/console/api";
import { RoleBadge } from "@/components/console/status";
import { Badge, Banner, Card, PageHead, SkeletonRows } from "@/components/ui/primitives";

type TDoc = { paths: Record<string, Record<string, { summary: string; tags: string[]; "x-ferry-role": string }>> };

const METHOD_TONE: Record<string, "green" | "blue" | "amber" | "red" | "violet"> = { get: "blue", post: "green", put: "amber", patch: "amber", delete: "red" };

export function ApiDocs() {
  const q = useQuery({ queryKey: ["openapi"], queryFn: () => api<TDoc>("/openapi.json"), staleTime: Infinity });
  const byTag = new Map<string, Array<{ method: string; path: string; summary: string; role: string }>>();
  for (const [path, ops] of Object.entries(q.data?.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags[0] ?? "Other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, summary: op.summary, role: op["x-ferry-role"] }]);
    }
  }
  return (
    <>
      <PageHead
        title="Admin API"
        sub={
          <>
            JSON over HTTP at <code className="code-inline">/api/v1</code>, the same calls these pages make. The OpenAPI document is at{" "}
            <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.
          </>
        }
      />
      <div className="stack">
        <Card title="Authentication">
          <p style={{ marginTop: 0 }}>
            Scripts use an API token (an admin creates one under <em>API tokens</em>): the token acts with the role it was given, and every call is recorded in the audit log as <code className="code-inline">token:&lt;name&gt;</code>.
          </p>
          <pre className="code">{`curl -H "Authorization: Bearer fry_…" ${typeof window === "undefined" ? "" : window.location.origin}/api/v1/channels

curl -X POST -H "Authorization: Bearer fry_…" -H "content-type: application/json" \\
     -d '{}' ${typeof window === "undefined" ? "" : window.location.origin}/api/v1/channels/1/operations/reset-attribute-sync`}</pre>
        </Card>
        {q.isError && <Banner tone="red">{q.error.message}</Banner>}
        {q.isPending ? (
          <Card flush><SkeletonRows rows={8} cols={3} /></Card>
        ) : (
          [...byTag.entries()].map(([tag, ops]) => (
            <Card key={tag} title={tag} flush>
              <table className="table fixed">
                <colgroup>
                  <col style={{ width: 90 }} />
                  <col style={{ width: 400 }} />
                  <col />
                  <col style={{ width: 100 }} />
                </colgroup>
                <tbody>
                  {ops.map((o) => (
                    <tr key={o.method + o.path}>
                      <td>
                        <Badge tone={METHOD_TONE[o.method] ?? "gray"}>{o.method.toUpperCase()}</Badge>
                      </td>
                      <td className="mono small break">/api/v1{o.path}</td>
                      <td className="small">{o.summary}</td>
                      <td>
                        <RoleBadge role={o.role} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          ))
        )}
      </div>
    </>
  );
}
