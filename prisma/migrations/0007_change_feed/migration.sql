-- Where a channel's change feed stands (lib/ldap/change-feed.ts): which mechanism wrote
-- the cookie, and the cookie. Stored only after a cycle's read completed; a feed that
-- changes (another mechanism, another server) starts from a full read.
ALTER TABLE "channel" ADD COLUMN "change_feed" TEXT;
ALTER TABLE "channel" ADD COLUMN "change_cookie" TEXT;
