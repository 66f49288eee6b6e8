CREATE TABLE "audit_anchors" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL,
	"key_id" text NOT NULL,
	"signature" text NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_chain_head" (
	"id" integer PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL,
	"base_seq" bigint NOT NULL,
	"base_hash" text NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_chain_head_one_row" CHECK ("audit_chain_head"."id" = 1)
);
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_role_known";--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "chain_seq" bigint;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "prev_hash" text;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "hash" text;--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_chain_seq_uq" ON "audit_log" USING btree ("chain_seq");--> statement-breakpoint
CREATE INDEX "audit_log_actor_seq_idx" ON "audit_log" USING btree ("actor_username","chain_seq");--> statement-breakpoint
CREATE INDEX "audit_log_action_seq_idx" ON "audit_log" USING btree ("action","chain_seq");--> statement-breakpoint
CREATE INDEX "media_created_idx" ON "media" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "parcel_inspections_noted_idx" ON "parcel_inspections" USING btree ("inspected_at") WHERE notes <> '';--> statement-breakpoint
CREATE INDEX "parcels_sender_phone_idx" ON "parcels" USING btree ("sender_phone_blind");--> statement-breakpoint
CREATE INDEX "parcels_recipient_phone_idx" ON "parcels" USING btree ("recipient_phone_blind") WHERE recipient_phone_blind is not null;--> statement-breakpoint
CREATE INDEX "parcels_recipient_name_pinyin_idx" ON "parcels" USING btree ("recipient_name_pinyin");--> statement-breakpoint
CREATE INDEX "senders_name_pinyin_idx" ON "senders" USING btree ("name_pinyin");--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_role_known" CHECK ("users"."role" in ('courier', 'outlet_supervisor', 'postal_regulator', 'customs_officer', 'admin', 'auditor'));