-- Issue 14.2: an alert spanning jurisdictions belongs to one of them (server/alerts/ownership.ts says which);
-- only its officers take it in hand or resolve it, the others add notes.
ALTER TABLE "alerts" ADD COLUMN "parcels_by_jurisdiction" jsonb DEFAULT '{}'::jsonb NOT NULL;
--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "owner_jurisdiction" text;
--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "acknowledged_by_jurisdiction" text;
--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "resolved_by_jurisdiction" text;
--> statement-breakpoint
-- Existing alerts: their parcels counted by province, from the parcels linked to them.
UPDATE "alerts" a SET "parcels_by_jurisdiction" = coalesce((
  SELECT jsonb_object_agg(j, n) FROM (
    SELECT left(p.region_code, 2) AS j, count(*)::int AS n
    FROM alert_parcels ap JOIN parcels p ON p.id = ap.parcel_id
    WHERE ap.alert_id = a.id GROUP BY 1) c), '{}'::jsonb);
--> statement-breakpoint
-- The owner by the same rule as new alerts: most parcels; on a tie the province the alert was opened in, then
-- the lower code. An alert someone already acknowledged or resolved goes to that person's province when the
-- alert touches it, so nothing anyone is working on changes hands by the migration.
UPDATE "alerts" a SET "owner_jurisdiction" = coalesce(
  (SELECT left(u.jurisdiction, 2) FROM users u
    WHERE u.id = coalesce(a.acknowledged_by, a.resolved_by) AND u.jurisdiction IS NOT NULL
      AND (a.parcels_by_jurisdiction -> left(u.jurisdiction, 2)) IS NOT NULL),
  (SELECT e.key FROM jsonb_each_text(a.parcels_by_jurisdiction) e
    ORDER BY e.value::int DESC, (e.key = a.jurisdiction) DESC, e.key LIMIT 1),
  a.jurisdiction);
--> statement-breakpoint
UPDATE "alerts" a SET "acknowledged_by_jurisdiction" = u.jurisdiction FROM users u WHERE u.id = a.acknowledged_by;
--> statement-breakpoint
UPDATE "alerts" a SET "resolved_by_jurisdiction" = u.jurisdiction FROM users u WHERE u.id = a.resolved_by;
--> statement-breakpoint
ALTER TABLE "alerts" ALTER COLUMN "owner_jurisdiction" SET NOT NULL;
--> statement-breakpoint
CREATE TABLE "alert_notes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"alert_id" uuid NOT NULL,
	"author_id" uuid,
	"author_name" text NOT NULL,
	"author_role" text NOT NULL,
	"author_jurisdiction" text,
	"text" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alert_notes" ADD CONSTRAINT "alert_notes_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "alert_notes" ADD CONSTRAINT "alert_notes_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "alert_notes_alert_idx" ON "alert_notes" USING btree ("alert_id","created_at");
