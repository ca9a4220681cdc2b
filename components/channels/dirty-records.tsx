"use client";
import { ChannelProblems } from "./channel-problems";
import { RecordsTable } from "./records-table";
import { useChannel } from "./use-channel";

export function DirtyRecords({ channelId }: { channelId: number }) {
  const q = useChannel(channelId);
  return (
    <div className="stack">
      <p className="muted" style={{ margin: 0 }}>
        Users and groups the service provider has not acknowledged yet, with the last error. They stay dirty until the target says yes (as{" "}
        <code className="code-inline">provmgr --show-dirty-records</code>).
      </p>
      {q.data && <ChannelProblems c={q.data} showRunning={false} />}
      <RecordsTable channelId={channelId} kind="user" fixedState="dirty" title="Dirty users" />
      <RecordsTable channelId={channelId} kind="group" fixedState="dirty" title="Dirty groups" />
    </div>
  );
}
