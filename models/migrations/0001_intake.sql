CREATE TABLE "idempotency_keys" (
	"user_id" uuid NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer NOT NULL,
	"response" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_user_id_key_pk" PRIMARY KEY("user_id","key")
);
--> statement-breakpoint
CREATE TABLE "media" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"sha256" text NOT NULL,
	"format" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"byte_size" integer NOT NULL,
	"data" "bytea" NOT NULL,
	"thumb" "bytea" NOT NULL,
	"uploaded_by" uuid NOT NULL,
	"outlet_id" text,
	"region_code" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "parcel_inspections" (
	"parcel_id" uuid PRIMARY KEY NOT NULL,
	"performed" boolean NOT NULL,
	"refused" boolean NOT NULL,
	"matches_declaration" boolean,
	"notes" text DEFAULT '' NOT NULL,
	"photo_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"inspected_by" uuid NOT NULL,
	"inspected_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "parcel_screenings" (
	"parcel_id" uuid PRIMARY KEY NOT NULL,
	"result" text NOT NULL,
	"machine_id" text,
	"screened_by" uuid NOT NULL,
	"screened_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "parcels" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"waybill_no" text NOT NULL,
	"carrier" text,
	"channel" text NOT NULL,
	"outlet_id" text NOT NULL,
	"region_code" text NOT NULL,
	"courier_id" uuid NOT NULL,
	"sender_id" uuid NOT NULL,
	"sender_name" text NOT NULL,
	"sender_phone_blind" text NOT NULL,
	"sender_phone_sealed" text NOT NULL,
	"sender_phone_masked" text NOT NULL,
	"sender_address" text NOT NULL,
	"recipient_name" text NOT NULL,
	"recipient_name_simplified" text NOT NULL,
	"recipient_name_pinyin" text NOT NULL,
	"recipient_phone_blind" text,
	"recipient_phone_sealed" text,
	"recipient_phone_masked" text,
	"recipient_address" text NOT NULL,
	"recipient_country" text NOT NULL,
	"cross_border" boolean NOT NULL,
	"declared_description" text NOT NULL,
	"declared_category" text NOT NULL,
	"declared_quantity" integer NOT NULL,
	"declared_value_cny" numeric(12, 2) NOT NULL,
	"declared_brand" text,
	"verdict" text NOT NULL,
	"status" text NOT NULL,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "parcels_verdict_known" CHECK ("parcels"."verdict" in ('accepted', 'held', 'rejected')),
	CONSTRAINT "parcels_value_nonneg" CHECK ("parcels"."declared_value_cny" >= 0)
);
--> statement-breakpoint
CREATE TABLE "senders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"id_type" text NOT NULL,
	"id_blind" text NOT NULL,
	"id_sealed" text NOT NULL,
	"id_masked" text NOT NULL,
	"name" text NOT NULL,
	"name_simplified" text NOT NULL,
	"name_pinyin" text NOT NULL,
	"birth_date" date,
	"phone_blind" text,
	"phone_sealed" text,
	"phone_masked" text,
	"address" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"parcel_count" integer DEFAULT 0 NOT NULL,
	"outlet_ids" text[] DEFAULT '{}'::text[] NOT NULL
);
--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "media" ADD CONSTRAINT "media_uploaded_by_users_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "media" ADD CONSTRAINT "media_outlet_id_outlets_id_fk" FOREIGN KEY ("outlet_id") REFERENCES "public"."outlets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parcel_inspections" ADD CONSTRAINT "parcel_inspections_parcel_id_parcels_id_fk" FOREIGN KEY ("parcel_id") REFERENCES "public"."parcels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parcel_inspections" ADD CONSTRAINT "parcel_inspections_inspected_by_users_id_fk" FOREIGN KEY ("inspected_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parcel_screenings" ADD CONSTRAINT "parcel_screenings_parcel_id_parcels_id_fk" FOREIGN KEY ("parcel_id") REFERENCES "public"."parcels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parcel_screenings" ADD CONSTRAINT "parcel_screenings_screened_by_users_id_fk" FOREIGN KEY ("screened_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parcels" ADD CONSTRAINT "parcels_outlet_id_outlets_id_fk" FOREIGN KEY ("outlet_id") REFERENCES "public"."outlets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parcels" ADD CONSTRAINT "parcels_courier_id_users_id_fk" FOREIGN KEY ("courier_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parcels" ADD CONSTRAINT "parcels_sender_id_senders_id_fk" FOREIGN KEY ("sender_id") REFERENCES "public"."senders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idempotency_created_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "media_sha_idx" ON "media" USING btree ("sha256");--> statement-breakpoint
CREATE UNIQUE INDEX "parcels_waybill_uq" ON "parcels" USING btree ("waybill_no");--> statement-breakpoint
CREATE INDEX "parcels_outlet_created_idx" ON "parcels" USING btree ("outlet_id","created_at");--> statement-breakpoint
CREATE INDEX "parcels_sender_created_idx" ON "parcels" USING btree ("sender_id","created_at");--> statement-breakpoint
CREATE INDEX "parcels_region_created_idx" ON "parcels" USING btree ("region_code","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "senders_identity_uq" ON "senders" USING btree ("id_type","id_blind");--> statement-breakpoint
CREATE INDEX "senders_phone_idx" ON "senders" USING btree ("phone_blind");