CREATE TABLE "alert_parcels" (
	"alert_id" uuid NOT NULL,
	"parcel_id" uuid NOT NULL,
	CONSTRAINT "alert_parcels_alert_id_parcel_id_pk" PRIMARY KEY("alert_id","parcel_id")
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"type" text NOT NULL,
	"severity" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"group_key" text NOT NULL,
	"jurisdiction" text NOT NULL,
	"region_codes" text[] NOT NULL,
	"cross_border" boolean DEFAULT false NOT NULL,
	"route_key" text,
	"summary" text NOT NULL,
	"parcel_count" integer DEFAULT 0 NOT NULL,
	"total_value_cny" numeric(14, 2) DEFAULT 0 NOT NULL,
	"waybills" text[] DEFAULT '{}'::text[] NOT NULL,
	"evidence" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"acknowledged_by" uuid,
	"acknowledged_at" timestamp with time zone,
	"resolved_by" uuid,
	"resolved_at" timestamp with time zone,
	"resolution" text,
	"resolution_note" text
);
--> statement-breakpoint
CREATE TABLE "watchlist_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"type" text NOT NULL,
	"value" text NOT NULL,
	"match_key" text NOT NULL,
	"match_text" text,
	"sealed" text,
	"note" text,
	"source" text,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"deleted_by" uuid,
	CONSTRAINT "watchlist_type_known" CHECK ("watchlist_entries"."type" in ('id_number', 'phone', 'person_name', 'address', 'consignee', 'company', 'waybill', 'brand'))
);
--> statement-breakpoint
ALTER TABLE "alert_parcels" ADD CONSTRAINT "alert_parcels_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_parcels" ADD CONSTRAINT "alert_parcels_parcel_id_parcels_id_fk" FOREIGN KEY ("parcel_id") REFERENCES "public"."parcels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_acknowledged_by_users_id_fk" FOREIGN KEY ("acknowledged_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watchlist_entries" ADD CONSTRAINT "watchlist_entries_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watchlist_entries" ADD CONSTRAINT "watchlist_entries_deleted_by_users_id_fk" FOREIGN KEY ("deleted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_parcels_parcel_idx" ON "alert_parcels" USING btree ("parcel_id");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_open_group_uq" ON "alerts" USING btree ("group_key") WHERE status <> 'resolved';--> statement-breakpoint
CREATE INDEX "alerts_jurisdiction_updated_idx" ON "alerts" USING btree ("jurisdiction","updated_at");--> statement-breakpoint
CREATE INDEX "alerts_updated_idx" ON "alerts" USING btree ("updated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "watchlist_live_key_uq" ON "watchlist_entries" USING btree ("type","match_key") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "watchlist_fuzzy_trgm_idx" ON "watchlist_entries" USING gin ("match_key" gin_trgm_ops) WHERE type in ('person_name', 'consignee', 'address', 'company');--> statement-breakpoint
CREATE INDEX "watchlist_created_idx" ON "watchlist_entries" USING btree ("created_at");