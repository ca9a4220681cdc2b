import { listChannels } from "@/lib/channels/list-channels";

export const dynamic = "force-dynamic";

// A read-only overview until the full console lands: the --show-channels table.
export default async function Home() {
  const channels = await listChannels();
  return (
    <main style={{ maxWidth: 1100, margin: "32px auto", padding: "0 16px" }}>
      <h1 style={{ fontSize: 22 }}>Ferry — provisioning channels</h1>
      <table style={{ width: "100%", borderCollapse: "collapse", background: "white", fontSize: 14 }}>
        <thead>
          <tr style={{ textAlign: "left", borderBottom: "1px solid #dde" }}>
            {["ID", "Name", "Connection", "Status", "Users/dirty", "Groups/dirty", "Source", "Last cycle"].map((h) => (
              <th key={h} style={{ padding: 8 }}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {channels.map((c) => (
            <tr key={c.id} style={{ borderBottom: "1px solid #eef" }}>
              <td style={{ padding: 8 }}>{c.id}</td>
              <td style={{ padding: 8 }}>{c.name}</td>
              <td style={{ padding: 8 }}>{c.connectionId}</td>
              <td style={{ padding: 8 }}>{c.connectionStatus}/{c.channelStatus}</td>
              <td style={{ padding: 8 }}>{c.users}/{c.dirtyUsers}</td>
              <td style={{ padding: 8 }}>{c.groups}/{c.dirtyGroups}</td>
              <td style={{ padding: 8, fontFamily: "monospace", fontSize: 12 }}>{c.source}</td>
              <td style={{ padding: 8 }} title={c.lastCycleMessage ?? ""}>
                {c.lastCycleStatus ?? "never"} {c.lastCycleAt ? c.lastCycleAt.toISOString().slice(11, 19) : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
