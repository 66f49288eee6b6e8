-- Entries that ran out are closed at their expiry (no revoker), and of several still in force for one key (two
-- concurrent allowlistings before this index) the newest stays: the unique index below needs one open entry per key.
UPDATE "ring_allowlist" SET "revoked_at" = "expires_at" WHERE "revoked_at" IS NULL AND "expires_at" <= now();--> statement-breakpoint
UPDATE "ring_allowlist" a SET "revoked_at" = now() WHERE a."revoked_at" IS NULL AND EXISTS (
  SELECT 1 FROM "ring_allowlist" b WHERE b."key" = a."key" AND b."revoked_at" IS NULL AND (b."created_at", b."id") > (a."created_at", a."id"));--> statement-breakpoint
CREATE UNIQUE INDEX "ring_allowlist_key_open_uq" ON "ring_allowlist" USING btree ("key") WHERE revoked_at is null;
