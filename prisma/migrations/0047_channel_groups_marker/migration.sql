-- Where the directory stood (its change marker: OpenLDAP's contextCSN, AD's
-- highestCommittedUSN, 389-DS's lastchangenumber) with the channel's group settings, at
-- the last complete listing of the groups: an incremental cycle that finds both the same
-- leaves the groups' listing out (lib/sync/read-groups.ts).
ALTER TABLE channel ADD COLUMN groups_marker TEXT;
