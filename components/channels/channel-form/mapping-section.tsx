"use client";
// How each SCIM attribute gets its value: an LDAP attribute (as is, or lower/upper
// case), a template such as {givenName} {sn}, a fixed value, an expression
// (docs/channel-file.md) or a reference to another user's DN (the manager); and what
// names a group at the target.
import type { ReactNode } from "react";
import { IconPlus, IconTrash } from "@/components/ui/icons";
import { Banner, Button } from "@/components/ui/primitives";
import {
  mappingHasUserName,
  mappingKind,
  mappingText,
  mappingTransform,
  withMappingKind,
  withMappingText,
  withMappingTransform,
  type TMappingKind,
  type TMappingRow,
  type TMappingTransform,
} from "./form-model";
import { Field, Section, Select, type TSectionProps } from "./fields";

const KINDS: Array<[TMappingKind, string]> = [
  ["attribute", "Attribute"],
  ["template", "Template"],
  ["literal", "Fixed value"],
  ["expression", "Expression"],
  ["reference", "User's DN in"],
];
const CASES: Array<[TMappingTransform, string]> = [
  ["none", "as is"],
  ["lower", "lower"],
  ["upper", "UPPER"],
];
const PLACEHOLDERS: Record<TMappingKind, string> = {
  attribute: "givenName",
  template: "{givenName} {sn}",
  literal: "value",
  expression: 'lower(attr("givenName")) + "." + lower(attr("sn"))',
  reference: "manager",
};

export function MappingSection({ form, update, error, preview }: TSectionProps & { preview?: ReactNode }) {
  const rows = form.mapping;
  const setRows = (mapping: TMappingRow[]) => update((f) => ({ ...f, mapping }));
  const groupName = form.channel.groupMapping?.displayName ?? "cn";
  return (
    <Section title="Attribute mapping" intro="How each SCIM attribute gets its value: an LDAP attribute, a template such as {givenName} {sn}, a fixed value, an expression such as lower(attr(&quot;mail&quot;)), or the LDAP attribute holding another user's DN (manager: sent as that user's SCIM id). userName is required: users are matched by it.">
      {!mappingHasUserName(rows) && <Banner tone="amber">The mapping must give userName.</Banner>}
      {error("mapping") && <Banner tone="red">{error("mapping")}</Banner>}
      {/* on a phone the table scrolls sideways inside its card rather than squeezing its inputs */}
      <div className="card table-wrap">
        <table className="table" aria-label="Attribute mapping" style={{ minWidth: 720 }}>
          <thead>
            <tr>
              <th style={{ width: "32%" }}>SCIM attribute</th>
              <th style={{ width: 150 }}>From</th>
              <th>LDAP attribute / template / value / expression</th>
              <th style={{ width: 44 }} />
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => {
              const set = (row: TMappingRow) => setRows(rows.map((x, j) => (j === i ? row : x)));
              const kind = mappingKind(r.value);
              return (
                <tr key={i}>
                  <td>
                    <input className="input mono" aria-label={`SCIM attribute ${i + 1}`} value={r.attr} onChange={(e) => set({ ...r, attr: e.target.value })} placeholder="name.givenName" />
                  </td>
                  <td>
                    <Select label={`Kind ${i + 1}`} style={{ minWidth: 132 }} value={kind} options={KINDS} onChange={(k) => set({ ...r, value: withMappingKind(r.value, k) })} />
                  </td>
                  <td>
                    <div className="row">
                      <input
                        className="input mono"
                        aria-label={`Value ${i + 1}`}
                        value={mappingText(r.value)}
                        onChange={(e) => set({ ...r, value: withMappingText(r.value, e.target.value) })}
                        placeholder={PLACEHOLDERS[kind]}
                      />
                      {kind === "attribute" && (
                        <Select label={`Case ${i + 1}`} style={{ width: 110 }} value={mappingTransform(r.value)} options={CASES} onChange={(t) => set({ ...r, value: withMappingTransform(r.value, t) })} />
                      )}
                    </div>
                  </td>
                  <td>
                    <Button variant="ghost" size="sm" aria-label={`Remove ${r.attr || "row"}`} onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                      <IconTrash />
                    </Button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="row">
        <Button size="sm" onClick={() => setRows([...rows, { attr: "", value: "" }])}>
          <IconPlus /> Add attribute
        </Button>
        <span className="spacer" />
      </div>
      {preview}
      <Field id="map-group" label="Group displayName from" hint={`The ${mappingKind(groupName) === "attribute" ? "LDAP attribute" : mappingKind(groupName)} that names a group at the target.`}>
        <input
          id="map-group"
          className="input mono"
          style={{ maxWidth: 260 }}
          value={mappingText(groupName)}
          onChange={(e) => update((f) => ({ ...f, channel: { ...f.channel, groupMapping: { ...f.channel.groupMapping, displayName: withMappingText(groupName, e.target.value) } } }))}
        />
      </Field>
    </Section>
  );
}
