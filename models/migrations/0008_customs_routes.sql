CREATE TABLE "customs_inspections" (
	"parcel_id" uuid PRIMARY KEY NOT NULL,
	"waybill_no" text NOT NULL,
	"route_key" text NOT NULL,
	"origin_city" text NOT NULL,
	"rate" double precision NOT NULL,
	"key_id" text NOT NULL,
	"draw" double precision NOT NULL,
	"selected" boolean NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"outcome" text,
	"outcome_note" text,
	"decided_by" uuid,
	"decided_by_name" text,
	"decided_at" timestamp (3) with time zone,
	CONSTRAINT "customs_inspections_outcome_selected" CHECK ("customs_inspections"."outcome" is null or "customs_inspections"."selected")
);
--> statement-breakpoint
CREATE TABLE "customs_rate_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"route_key" text NOT NULL,
	"action" text NOT NULL,
	"rate" double precision NOT NULL,
	"previous_rate" double precision NOT NULL,
	"reason" text NOT NULL,
	"expires_at" timestamp (3) with time zone,
	"changed_by" uuid,
	"changed_by_name" text NOT NULL,
	"changed_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customs_routes" (
	"route_key" text PRIMARY KEY NOT NULL,
	"raised_rate" double precision,
	"reason" text,
	"set_by" uuid,
	"set_by_name" text,
	"set_at" timestamp (3) with time zone,
	"expires_at" timestamp (3) with time zone,
	CONSTRAINT "customs_routes_rate_range" CHECK ("customs_routes"."raised_rate" is null or ("customs_routes"."raised_rate" >= 0 and "customs_routes"."raised_rate" <= 1))
);
--> statement-breakpoint
CREATE TABLE "customs_selection_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"sealed" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" uuid
);
--> statement-breakpoint
ALTER TABLE "ring_members" ADD COLUMN "seized" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "customs_inspections" ADD CONSTRAINT "customs_inspections_parcel_id_parcels_id_fk" FOREIGN KEY ("parcel_id") REFERENCES "public"."parcels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customs_inspections" ADD CONSTRAINT "customs_inspections_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customs_rate_changes" ADD CONSTRAINT "customs_rate_changes_changed_by_users_id_fk" FOREIGN KEY ("changed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customs_routes" ADD CONSTRAINT "customs_routes_set_by_users_id_fk" FOREIGN KEY ("set_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customs_selection_keys" ADD CONSTRAINT "customs_selection_keys_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customs_inspections_city_created_idx" ON "customs_inspections" USING btree ("origin_city","created_at");--> statement-breakpoint
CREATE INDEX "customs_inspections_route_created_idx" ON "customs_inspections" USING btree ("route_key","created_at");--> statement-breakpoint
CREATE INDEX "customs_inspections_pending_idx" ON "customs_inspections" USING btree ("origin_city","created_at") WHERE selected and outcome is null;--> statement-breakpoint
CREATE INDEX "customs_rate_changes_route_idx" ON "customs_rate_changes" USING btree ("route_key","changed_at");