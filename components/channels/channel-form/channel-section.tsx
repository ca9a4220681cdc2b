"use client";
// The channel itself: its name, the SP connection it belongs to, how often it runs.
import { numberFrom } from "./form-model";
import { Check, Field, NumberInput, Section, type TSectionProps } from "./fields";

export function ChannelSection({ form, update, error }: TSectionProps) {
  const c = form.channel;
  const set = (patch: Partial<typeof c>) => update((f) => ({ ...f, channel: { ...f.channel, ...patch } }));
  return (
    <Section title="Channel" intro="A name for people, the SP connection it belongs to, and how often it runs.">
      <div className="grid-2">
        <Field id="ch-name" label="Channel name" error={error("name")}>
          <input id="ch-name" className={`input${error("name") ? " invalid" : ""}`} value={c.name} onChange={(e) => set({ name: e.target.value })} required />
        </Field>
        <Field id="ch-conn" label="Connection ID" hint="The SP connection (application) this channel provisions." error={error("connectionId")}>
          <input id="ch-conn" className="input" value={c.connectionId} onChange={(e) => set({ connectionId: e.target.value })} required />
        </Field>
      </div>
      <div className="grid-2">
        <Field id="ch-freq" label="Sync frequency (seconds)" hint="Time between two cycles." error={error("syncFrequencySec")}>
          <NumberInput id="ch-freq" min={1} value={c.syncFrequencySec} onChange={(v) => set({ syncFrequencySec: numberFrom(v) })} />
        </Field>
        <div className="field" style={{ justifyContent: "flex-end" }}>
          <Check id="ch-active" checked={c.active ?? true} onChange={(v) => set({ active: v })} label="Channel active" hint="The worker runs cycles only for active channels." />
        </div>
      </div>
    </Section>
  );
}
