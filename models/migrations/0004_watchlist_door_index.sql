CREATE INDEX "watchlist_type_text_idx" ON "watchlist_entries" USING btree ("type","match_text") WHERE match_text is not null;--> statement-breakpoint
-- Doors for address entries listed before doors were stored (server/watchlist/normalize.ts addressDoor).
UPDATE "watchlist_entries" SET "match_text" = coalesce(substring("match_key" from '^.*?[0-9]+[号弄]'), "match_key") WHERE "type" = 'address' AND "match_text" IS NULL;
