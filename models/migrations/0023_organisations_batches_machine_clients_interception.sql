CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone,
	"last_used_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	"revoked_by" uuid
);
--> statement-breakpoint
CREATE TABLE "interception_orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"parcel_id" uuid NOT NULL,
	"waybill_no" text NOT NULL,
	"outlet_id" text NOT NULL,
	"region_code" text NOT NULL,
	"cross_border" boolean NOT NULL,
	"status" text DEFAULT 'requested' NOT NULL,
	"ordered_at" timestamp (3) with time zone NOT NULL,
	"due_at" timestamp (3) with time zone NOT NULL,
	"escalated_at" timestamp (3) with time zone,
	"answered_at" timestamp (3) with time zone,
	"answer_note" text,
	"answered_by" uuid,
	"answered_by_name" text,
	"answered_by_role" text,
	CONSTRAINT "interception_orders_status_known" CHECK ("interception_orders"."status" in ('requested', 'intercepted', 'not_found', 'already_delivered'))
);
--> statement-breakpoint
CREATE TABLE "interception_sources" (
	"order_id" uuid NOT NULL,
	"source_key" text NOT NULL,
	"kind" text NOT NULL,
	"alert_id" uuid,
	"entry_id" uuid,
	"by_user_id" uuid,
	"by_name" text,
	"note" text,
	"reason" jsonb NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "interception_sources_order_id_source_key_pk" PRIMARY KEY("order_id","source_key")
);
--> statement-breakpoint
CREATE TABLE "organisation_flags" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"parcel_id" uuid,
	"alert_id" uuid,
	"subject_id" text NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"cleared_by_review_id" uuid
);
--> statement-breakpoint
CREATE TABLE "organisation_reviews" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"decision" text NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"reason" text NOT NULL,
	"by_user_id" uuid,
	"by_name" text NOT NULL,
	"by_role" text NOT NULL,
	"by_jurisdiction" text,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "organisations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"uscc" text NOT NULL,
	"name" text NOT NULL,
	"name_simplified" text NOT NULL,
	"region_code" text NOT NULL,
	"legal_rep_id_type" text NOT NULL,
	"legal_rep_id_blind" text NOT NULL,
	"legal_rep_id_sealed" text NOT NULL,
	"legal_rep_id_masked" text NOT NULL,
	"legal_rep_name" text NOT NULL,
	"address" text NOT NULL,
	"phone_blind" text NOT NULL,
	"phone_sealed" text NOT NULL,
	"phone_masked" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"sender_id" uuid,
	"registered_by" uuid,
	"registered_at_outlet_id" text,
	"review_flagged_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organisations_status_known" CHECK ("organisations"."status" in ('pending', 'approved', 'suspended', 'revoked'))
);
--> statement-breakpoint
CREATE TABLE "parcel_batch_items" (
	"batch_id" uuid NOT NULL,
	"index" integer NOT NULL,
	"waybill_no" text,
	"request_sealed" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"verdict" text,
	"parcel_id" uuid,
	"errors" jsonb,
	CONSTRAINT "parcel_batch_items_batch_id_index_pk" PRIMARY KEY("batch_id","index")
);
--> statement-breakpoint
CREATE TABLE "parcel_batches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"outlet_id" text NOT NULL,
	"submitted_by" uuid NOT NULL,
	"idempotency_key" text,
	"request_hash" text NOT NULL,
	"source" text NOT NULL,
	"handler_sealed" text,
	"status" text DEFAULT 'queued' NOT NULL,
	"total" integer NOT NULL,
	"done" integer DEFAULT 0 NOT NULL,
	"accepted" integer DEFAULT 0 NOT NULL,
	"held" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"invalid" integer DEFAULT 0 NOT NULL,
	"job_key" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	CONSTRAINT "parcel_batches_status_known" CHECK ("parcel_batches"."status" in ('queued', 'running', 'done'))
);
--> statement-breakpoint
CREATE TABLE "parcel_items" (
	"parcel_id" uuid NOT NULL,
	"line_no" integer NOT NULL,
	"description" text NOT NULL,
	"hs_code" text,
	"quantity" integer NOT NULL,
	"net_weight_kg" numeric(10, 3),
	"value_cny" numeric(12, 2) NOT NULL,
	"origin_country" text,
	CONSTRAINT "parcel_items_parcel_id_line_no_pk" PRIMARY KEY("parcel_id","line_no")
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"subscription_id" uuid NOT NULL,
	"event_id" text NOT NULL,
	"event_type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_status_code" integer,
	"last_error" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_attempt_at" timestamp (3) with time zone,
	"delivered_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "webhook_subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"secret_sealed" text NOT NULL,
	"events" text[] NOT NULL,
	"jurisdiction" text,
	"carrier" text,
	"outlet_id" text,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_courier_has_outlet";--> statement-breakpoint
ALTER TABLE "parcels" ADD COLUMN "organisation_id" uuid;--> statement-breakpoint
ALTER TABLE "parcels" ADD COLUMN "handler_sender_id" uuid;--> statement-breakpoint
ALTER TABLE "parcels" ADD COLUMN "batch_id" uuid;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "kind" text DEFAULT 'person' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "carrier" text;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_revoked_by_users_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interception_orders" ADD CONSTRAINT "interception_orders_parcel_id_parcels_id_fk" FOREIGN KEY ("parcel_id") REFERENCES "public"."parcels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interception_orders" ADD CONSTRAINT "interception_orders_outlet_id_outlets_id_fk" FOREIGN KEY ("outlet_id") REFERENCES "public"."outlets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interception_orders" ADD CONSTRAINT "interception_orders_answered_by_users_id_fk" FOREIGN KEY ("answered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interception_sources" ADD CONSTRAINT "interception_sources_order_id_interception_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."interception_orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interception_sources" ADD CONSTRAINT "interception_sources_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interception_sources" ADD CONSTRAINT "interception_sources_entry_id_watchlist_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."watchlist_entries"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interception_sources" ADD CONSTRAINT "interception_sources_by_user_id_users_id_fk" FOREIGN KEY ("by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_flags" ADD CONSTRAINT "organisation_flags_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_flags" ADD CONSTRAINT "organisation_flags_parcel_id_parcels_id_fk" FOREIGN KEY ("parcel_id") REFERENCES "public"."parcels"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_flags" ADD CONSTRAINT "organisation_flags_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_flags" ADD CONSTRAINT "organisation_flags_cleared_by_review_id_organisation_reviews_id_fk" FOREIGN KEY ("cleared_by_review_id") REFERENCES "public"."organisation_reviews"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_reviews" ADD CONSTRAINT "organisation_reviews_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_reviews" ADD CONSTRAINT "organisation_reviews_by_user_id_users_id_fk" FOREIGN KEY ("by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisations" ADD CONSTRAINT "organisations_sender_id_senders_id_fk" FOREIGN KEY ("sender_id") REFERENCES "public"."senders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisations" ADD CONSTRAINT "organisations_registered_by_users_id_fk" FOREIGN KEY ("registered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisations" ADD CONSTRAINT "organisations_registered_at_outlet_id_outlets_id_fk" FOREIGN KEY ("registered_at_outlet_id") REFERENCES "public"."outlets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parcel_batch_items" ADD CONSTRAINT "parcel_batch_items_batch_id_parcel_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."parcel_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parcel_batch_items" ADD CONSTRAINT "parcel_batch_items_parcel_id_parcels_id_fk" FOREIGN KEY ("parcel_id") REFERENCES "public"."parcels"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parcel_batches" ADD CONSTRAINT "parcel_batches_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parcel_batches" ADD CONSTRAINT "parcel_batches_outlet_id_outlets_id_fk" FOREIGN KEY ("outlet_id") REFERENCES "public"."outlets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parcel_batches" ADD CONSTRAINT "parcel_batches_submitted_by_users_id_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parcel_items" ADD CONSTRAINT "parcel_items_parcel_id_parcels_id_fk" FOREIGN KEY ("parcel_id") REFERENCES "public"."parcels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_subscription_id_webhook_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."webhook_subscriptions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_subscriptions" ADD CONSTRAINT "webhook_subscriptions_outlet_id_outlets_id_fk" FOREIGN KEY ("outlet_id") REFERENCES "public"."outlets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_subscriptions" ADD CONSTRAINT "webhook_subscriptions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_prefix_uq" ON "api_keys" USING btree ("prefix");--> statement-breakpoint
CREATE INDEX "api_keys_user_idx" ON "api_keys" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "interception_orders_parcel_uq" ON "interception_orders" USING btree ("parcel_id");--> statement-breakpoint
CREATE INDEX "interception_orders_open_due_idx" ON "interception_orders" USING btree ("due_at") WHERE status = 'requested';--> statement-breakpoint
CREATE INDEX "interception_orders_outlet_idx" ON "interception_orders" USING btree ("outlet_id","ordered_at");--> statement-breakpoint
CREATE INDEX "interception_orders_region_idx" ON "interception_orders" USING btree ("region_code","ordered_at");--> statement-breakpoint
CREATE INDEX "interception_sources_alert_idx" ON "interception_sources" USING btree ("alert_id");--> statement-breakpoint
CREATE UNIQUE INDEX "organisation_flags_subject_uq" ON "organisation_flags" USING btree ("organisation_id","kind","subject_id");--> statement-breakpoint
CREATE INDEX "organisation_reviews_org_idx" ON "organisation_reviews" USING btree ("organisation_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "organisations_uscc_uq" ON "organisations" USING btree ("uscc");--> statement-breakpoint
CREATE INDEX "organisations_region_idx" ON "organisations" USING btree ("region_code");--> statement-breakpoint
CREATE INDEX "organisations_legal_rep_idx" ON "organisations" USING btree ("legal_rep_id_blind");--> statement-breakpoint
CREATE INDEX "organisations_flagged_idx" ON "organisations" USING btree ("review_flagged_at") WHERE review_flagged_at is not null;--> statement-breakpoint
CREATE INDEX "parcel_batch_items_pending_idx" ON "parcel_batch_items" USING btree ("batch_id","index") WHERE status = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "parcel_batches_idempotency_uq" ON "parcel_batches" USING btree ("submitted_by","idempotency_key") WHERE idempotency_key is not null;--> statement-breakpoint
CREATE INDEX "parcel_batches_outlet_created_idx" ON "parcel_batches" USING btree ("outlet_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_event_uq" ON "webhook_deliveries" USING btree ("subscription_id","event_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_sub_created_idx" ON "webhook_deliveries" USING btree ("subscription_id","created_at");--> statement-breakpoint
CREATE INDEX "webhook_subscriptions_active_idx" ON "webhook_subscriptions" USING btree ("created_at") WHERE disabled_at is null;--> statement-breakpoint
ALTER TABLE "parcels" ADD CONSTRAINT "parcels_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parcels" ADD CONSTRAINT "parcels_handler_sender_id_senders_id_fk" FOREIGN KEY ("handler_sender_id") REFERENCES "public"."senders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parcels" ADD CONSTRAINT "parcels_batch_id_parcel_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."parcel_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "parcels_organisation_created_idx" ON "parcels" USING btree ("organisation_id","created_at") WHERE organisation_id is not null;--> statement-breakpoint
CREATE INDEX "parcels_handler_idx" ON "parcels" USING btree ("handler_sender_id") WHERE handler_sender_id is not null;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_kind_known" CHECK ("users"."kind" in ('person', 'service'));--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_service_is_courier" CHECK ("users"."kind" = 'person' or ("users"."role" = 'courier' and ("users"."outlet_id" is null) <> ("users"."carrier" is null)));--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_courier_has_outlet" CHECK (("users"."role" in ('courier', 'outlet_supervisor')) = ("users"."outlet_id" is not null or ("users"."kind" = 'service' and "users"."carrier" is not null)));