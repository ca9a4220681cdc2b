"use client";
// What provisioning may do at the target. Options the form does not show (the guard's
// minimum) are kept as stored.
import { nestedGroupsFor } from "@/lib/channel-config/directory-defaults";
import { numberFrom, withOptions } from "./form-model";
import { Check, Field, NumberInput, Section, Select, type TSectionProps } from "./fields";

export function OptionsSection({ form, update, error }: TSectionProps) {
  const o = form.channel.options;
  const byType = nestedGroupsFor(undefined, form.channel.source.directoryType ?? "openldap");
  const set = (patch: Parameters<typeof withOptions>[1]) => update((f) => withOptions(f, patch));
  return (
    <Section title="Options" intro="What provisioning may do at the target.">
      <div className="grid-2">
        <Check id="o-create" checked={o.createUsers ?? true} onChange={(v) => set({ createUsers: v })} label="Create users" />
        <Check id="o-update" checked={o.updateUsers ?? true} onChange={(v) => set({ updateUsers: v })} label="Update users" />
        <Check id="o-deprov" checked={o.deprovisionUsers ?? true} onChange={(v) => set({ deprovisionUsers: v })} label="Disable / delete users" hint="When they are disabled, deleted or leave the scope." />
        <Check id="o-disabled" checked={o.provisionDisabledUsers ?? false} onChange={(v) => set({ provisionDisabledUsers: v })} label="Provision disabled users" hint="Create them at the target as inactive." />
        <Check
          id="o-enforce"
          checked={o.enforceUserAttributes ?? true}
          onChange={(v) => set({ enforceUserAttributes: v })}
          label="Set back attributes edited at the target"
          hint="The periodic full reconciliation reads the target's users in pages and restores the mapped values the directory holds."
        />
        <Check
          id="o-external-id"
          checked={o.externalIdFromGuid ?? true}
          onChange={(v) => set({ externalIdFromGuid: v })}
          label="externalId from the directory's GUID"
          hint="Added to the mapping when saved, unless it gives externalId. Off: remove the externalId row too."
        />
      </div>
      <div className="grid-2">
        <Field id="o-nested" label="Groups nested in a provisioned group" hint="Most SaaS targets know no nested groups: flatten gives them every user reachable.">
          <Select
            id="o-nested"
            value={o.nestedGroups ?? "auto"}
            options={[
              ["auto", `By directory type (here: ${byType})`],
              ["flatten", "Flatten: every user reachable through nested groups"],
              ["direct", "Direct: only the group's direct user members"],
            ]}
            onChange={(v) => set({ nestedGroups: v === "auto" ? undefined : v })}
          />
        </Field>
        <Field id="o-memberships" label="Group memberships of disabled users">
          <Select
            id="o-memberships"
            value={o.deprovisionedMemberships ?? "remove"}
            options={[
              ["remove", "Remove them from target groups"],
              ["keep", "Keep them in target groups"],
            ]}
            onChange={(v) => set({ deprovisionedMemberships: v })}
          />
        </Field>
      </div>
      <div className="grid-3">
        <Field id="o-remove" label="Remove User Action">
          <Select
            id="o-remove"
            value={o.removeUserAction ?? "disable"}
            options={[
              ["disable", "Disable the user at the target"],
              ["delete", "Delete the user at the target"],
            ]}
            onChange={(v) => set({ removeUserAction: v })}
          />
        </Field>
        <Field id="o-full" label="Full read every (seconds)" hint="Safety net for deletions a directory does not signal; 0 = never." error={error("options.fullSyncIntervalSec")}>
          <NumberInput id="o-full" min={0} value={o.fullSyncIntervalSec} onChange={(v) => set({ fullSyncIntervalSec: numberFrom(v) })} />
        </Field>
        <Field id="o-guard" label="Hold cycles deprovisioning more than (%)" hint="A read that would remove more users is held for review." error={error("options.maxDeprovisionPercent")}>
          <NumberInput id="o-guard" min={0} max={100} value={o.maxDeprovisionPercent} onChange={(v) => set({ maxDeprovisionPercent: numberFrom(v) })} />
        </Field>
        <Field id="o-guard-count" label="…or more than this many at once" hint="Held whatever the share (0: no count limit)." error={error("options.maxDeprovisionCount")}>
          <NumberInput id="o-guard-count" min={0} value={o.maxDeprovisionCount} onChange={(v) => set({ maxDeprovisionCount: numberFrom(v) })} />
        </Field>
        <Field
          id="o-quarantine"
          label="Quarantine after failing cycles in a row"
          hint="Then it waits 5 min, 15 min, 1 h, 4 h between tries; 0 = never."
          error={error("options.quarantineAfterFailures")}
        >
          <NumberInput id="o-quarantine" min={0} max={100} value={o.quarantineAfterFailures} onChange={(v) => set({ quarantineAfterFailures: numberFrom(v) })} />
        </Field>
        <Field
          id="o-retry"
          label="Longest wait between tries of a refused record (seconds)"
          hint="A record the target refuses waits 1, 2, 4 … minutes, up to this."
          error={error("options.recordRetryMaxSec")}
        >
          <NumberInput id="o-retry" min={0} value={o.recordRetryMaxSec} onChange={(v) => set({ recordRetryMaxSec: numberFrom(v) })} />
        </Field>
      </div>
    </Section>
  );
}
