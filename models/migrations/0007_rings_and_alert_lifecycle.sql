CREATE TABLE "ring_keys" (
	"key" text PRIMARY KEY NOT NULL,
	"ring_id" uuid NOT NULL,
	"last_seen_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ring_members" (
	"parcel_id" uuid PRIMARY KEY NOT NULL,
	"ring_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"waybill_no" text NOT NULL,
	"sender_key" text NOT NULL,
	"sender_name" text NOT NULL,
	"sender_phone_blind" text NOT NULL,
	"sender_phone_masked" text NOT NULL,
	"sender_address_key" text NOT NULL,
	"sender_address" text NOT NULL,
	"consignee_key" text NOT NULL,
	"consignee_name" text NOT NULL,
	"country" text NOT NULL,
	"outlet_id" text NOT NULL,
	"region_code" text NOT NULL,
	"route_key" text NOT NULL,
	"value_cny" numeric(12, 2) NOT NULL,
	"category" text NOT NULL,
	"brand" text,
	"vague" boolean NOT NULL,
	"mismatch" boolean NOT NULL,
	"watchlist_hit" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"merged_into" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"damped_codes" text[] DEFAULT '{}'::text[] NOT NULL,
	"damped_parcel_count" integer DEFAULT 0 NOT NULL,
	"damped_by" uuid,
	"damped_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "socket_io_attachments" (
	"id" bigserial NOT NULL,
	"created_at" timestamp with time zone DEFAULT now(),
	"payload" "bytea",
	CONSTRAINT "socket_io_attachments_id_unique" UNIQUE("id")
);
--> statement-breakpoint
ALTER TABLE "alerts" ALTER COLUMN "acknowledged_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "alerts" ALTER COLUMN "resolved_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "acknowledged_by_name" text;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "resolved_by_name" text;--> statement-breakpoint
ALTER TABLE "ring_members" ADD CONSTRAINT "ring_members_parcel_id_parcels_id_fk" FOREIGN KEY ("parcel_id") REFERENCES "public"."parcels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rings" ADD CONSTRAINT "rings_damped_by_users_id_fk" FOREIGN KEY ("damped_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ring_keys_ring_idx" ON "ring_keys" USING btree ("ring_id");--> statement-breakpoint
CREATE INDEX "ring_keys_seen_idx" ON "ring_keys" USING btree ("last_seen_at");--> statement-breakpoint
CREATE INDEX "ring_members_ring_created_idx" ON "ring_members" USING btree ("ring_id","created_at");