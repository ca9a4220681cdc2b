// One entry point for every provmgr channel operation, for the console and the API:
// the same lib function provmgr calls, with the console user or API token as actor.
// Which function, with what, is the operation's `call` (operations.ts); delete-all and
// delete-all-users must be confirmed with the channel's name.
import { AppError } from "../errors.ts";
import type { TActor } from "./actor.ts";
import { clearDirtyRecords } from "./clear-dirty-records.ts";
import { deleteAll } from "./delete-all.ts";
import { deleteDirtyRecords } from "./delete-dirty-records.ts";
import { needsTypedConfirmation, operationById, type TChannelOperationId, type TOperationCall } from "./operations.ts";
import { requireChannel } from "./require-channel.ts";
import { resetAll } from "./reset-all.ts";
import { resetAttributeSync } from "./reset-attribute-sync.ts";
import { resetGroupTimestamp } from "./reset-group-timestamp.ts";
import { resetValuesHash } from "./reset-values-hash.ts";
import { releaseQuarantine } from "./release-quarantine.ts";
import { retryNow } from "./retry-now.ts";
import { runCycleNow } from "./run-now.ts";

function call(c: TOperationCall, a: { channelId: number } & TActor): Promise<unknown> {
  switch (c.fn) {
    case "reset-group-timestamp":
      return resetGroupTimestamp(a);
    case "reset-attribute-sync":
      return resetAttributeSync(a);
    case "reset-values-hash":
      return resetValuesHash(a);
    case "reset-all":
      return resetAll(a);
    case "clear-dirty-records":
      return clearDirtyRecords({ ...a, kind: c.kind });
    case "delete-dirty-records":
      return deleteDirtyRecords({ ...a, kind: c.kind });
    case "delete-all":
      return deleteAll({ ...a, keepGroups: c.keepGroups });
    case "retry-now":
      return retryNow(a);
    case "release-quarantine":
      return releaseQuarantine(a);
    case "run-now":
      return runCycleNow({ ...a, full: c.full });
  }
}

export async function runChannelOperation(
  options: { channelId: number; operation: TChannelOperationId; confirm?: string } & TActor,
): Promise<{ operation: TChannelOperationId; channelId: number; result: unknown }> {
  const { channelId, operation, actor, via } = options;
  if (needsTypedConfirmation(operation)) {
    const ch = await requireChannel(channelId);
    if (options.confirm !== ch.name) {
      throw new AppError("INVALID_ARGUMENT", `${operation} empties the channel's store: confirm with the channel's name ("${ch.name}")`);
    }
  }
  const result = await call(operationById(operation).call, { channelId, actor, via });
  return { operation, channelId, result };
}
