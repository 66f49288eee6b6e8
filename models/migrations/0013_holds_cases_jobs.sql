-- Issue 15: holds and their decisions, cases (links, timeline, shares), the job queue and its schedules, stored reports;
-- the outlet_supervisor role (an outlet's safety officer, bound to an outlet).
CREATE TABLE "case_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"actor_id" uuid,
	"actor_name" text NOT NULL,
	"actor_role" text NOT NULL,
	"actor_jurisdiction" text,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_links" (
	"case_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"ref_id" uuid NOT NULL,
	"added_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "case_links_case_id_kind_ref_id_pk" PRIMARY KEY("case_id","kind","ref_id")
);
--> statement-breakpoint
CREATE TABLE "case_shares" (
	"case_id" uuid NOT NULL,
	"jurisdiction" text NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"shared_by_id" uuid,
	"shared_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "case_shares_case_id_jurisdiction_pk" PRIMARY KEY("case_id","jurisdiction")
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"reference" text NOT NULL,
	"title" text NOT NULL,
	"jurisdiction" text NOT NULL,
	"priority" text DEFAULT 'normal' NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"owner_id" uuid NOT NULL,
	"owner_name" text NOT NULL,
	"due_at" timestamp (3) with time zone NOT NULL,
	"opened_by_id" uuid,
	"opened_by_name" text NOT NULL,
	"opened_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp (3) with time zone,
	"outcome" text,
	"outcome_note" text,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cases_reference_unique" UNIQUE("reference"),
	CONSTRAINT "cases_status_known" CHECK ("cases"."status" in ('open', 'closed')),
	CONSTRAINT "cases_closed_has_outcome" CHECK (("cases"."status" = 'closed') = ("cases"."outcome" is not null))
);
--> statement-breakpoint
CREATE TABLE "hold_decisions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"parcel_id" uuid NOT NULL,
	"action" text NOT NULL,
	"disposition" text,
	"note" text NOT NULL,
	"by_user_id" uuid,
	"by_name" text NOT NULL,
	"by_role" text NOT NULL,
	"by_jurisdiction" text,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "hold_decisions_action_known" CHECK ("hold_decisions"."action" in ('release', 'refuse')),
	CONSTRAINT "hold_decisions_refusal_disposed" CHECK (("hold_decisions"."action" = 'refuse') = ("hold_decisions"."disposition" is not null))
);
--> statement-breakpoint
CREATE TABLE "holds" (
	"parcel_id" uuid PRIMARY KEY NOT NULL,
	"waybill_no" text NOT NULL,
	"outlet_id" text NOT NULL,
	"region_code" text NOT NULL,
	"cross_border" boolean NOT NULL,
	"reasons" text[] NOT NULL,
	"held_at" timestamp (3) with time zone NOT NULL,
	"due_at" timestamp (3) with time zone NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"overdue_at" timestamp (3) with time zone,
	"decided_at" timestamp (3) with time zone,
	CONSTRAINT "holds_status_known" CHECK ("holds"."status" in ('pending', 'released', 'refused'))
);
--> statement-breakpoint
CREATE TABLE "job_schedules" (
	"name" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"rule" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"next_run_at" timestamp (3) with time zone NOT NULL,
	"last_run_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"state" text DEFAULT 'queued' NOT NULL,
	"run_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 5 NOT NULL,
	"locked_by" text,
	"locked_until" timestamp (3) with time zone,
	"last_error" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	CONSTRAINT "jobs_key_unique" UNIQUE("key"),
	CONSTRAINT "jobs_state_known" CHECK ("jobs"."state" in ('queued', 'running', 'done', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "report_archive" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"period" text NOT NULL,
	"scope" text NOT NULL,
	"format" text NOT NULL,
	"content" "bytea" NOT NULL,
	"sha256" text NOT NULL,
	"bytes" integer NOT NULL,
	"generated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_role_known";--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_courier_has_outlet";--> statement-breakpoint
ALTER TABLE "case_events" ADD CONSTRAINT "case_events_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_events" ADD CONSTRAINT "case_events_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_links" ADD CONSTRAINT "case_links_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_shares" ADD CONSTRAINT "case_shares_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_shares" ADD CONSTRAINT "case_shares_shared_by_id_users_id_fk" FOREIGN KEY ("shared_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_opened_by_id_users_id_fk" FOREIGN KEY ("opened_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hold_decisions" ADD CONSTRAINT "hold_decisions_parcel_id_holds_parcel_id_fk" FOREIGN KEY ("parcel_id") REFERENCES "public"."holds"("parcel_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hold_decisions" ADD CONSTRAINT "hold_decisions_by_user_id_users_id_fk" FOREIGN KEY ("by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_parcel_id_parcels_id_fk" FOREIGN KEY ("parcel_id") REFERENCES "public"."parcels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_outlet_id_outlets_id_fk" FOREIGN KEY ("outlet_id") REFERENCES "public"."outlets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "case_events_case_at_idx" ON "case_events" USING btree ("case_id","at");--> statement-breakpoint
CREATE INDEX "case_links_ref_idx" ON "case_links" USING btree ("kind","ref_id");--> statement-breakpoint
CREATE INDEX "case_shares_jurisdiction_idx" ON "case_shares" USING btree ("jurisdiction");--> statement-breakpoint
CREATE INDEX "cases_jurisdiction_status_idx" ON "cases" USING btree ("jurisdiction","status","due_at");--> statement-breakpoint
CREATE INDEX "cases_open_due_idx" ON "cases" USING btree ("due_at") WHERE status = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "hold_decisions_one_per_hold_uq" ON "hold_decisions" USING btree ("parcel_id");--> statement-breakpoint
CREATE INDEX "holds_pending_due_idx" ON "holds" USING btree ("due_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "holds_outlet_held_idx" ON "holds" USING btree ("outlet_id","held_at");--> statement-breakpoint
CREATE INDEX "holds_region_held_idx" ON "holds" USING btree ("region_code","held_at");--> statement-breakpoint
CREATE INDEX "jobs_due_idx" ON "jobs" USING btree ("run_at") WHERE state in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "jobs_kind_created_idx" ON "jobs" USING btree ("kind","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "report_archive_one_uq" ON "report_archive" USING btree ("kind","period","scope","format");--> statement-breakpoint
CREATE INDEX "report_archive_generated_idx" ON "report_archive" USING btree ("generated_at");--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_role_known" CHECK ("users"."role" in ('courier', 'outlet_supervisor', 'postal_regulator', 'customs_officer', 'admin'));--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_courier_has_outlet" CHECK (("users"."role" in ('courier', 'outlet_supervisor')) = ("users"."outlet_id" is not null));--> statement-breakpoint
-- Parcels held before holds existed wait for a decision like any other (due 24 h after intake, the default).
INSERT INTO "holds" ("parcel_id", "waybill_no", "outlet_id", "region_code", "cross_border", "reasons", "held_at", "due_at")
SELECT p.id, p.waybill_no, p.outlet_id, p.region_code, p.cross_border,
       coalesce(array(SELECT r ->> 'code' FROM jsonb_array_elements(p.reasons) r), '{}'::text[]),
       p.created_at, p.created_at + interval '24 hours'
FROM "parcels" p WHERE p.verdict = 'held';
--> statement-breakpoint
-- A stored report never changes afterwards (its checksum is kept beside it): like the audit log, append-only.
CREATE OR REPLACE FUNCTION report_archive_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'report_archive is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'A stored report is never changed or removed.';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER report_archive_no_update_delete BEFORE UPDATE OR DELETE ON report_archive
  FOR EACH ROW EXECUTE FUNCTION report_archive_append_only();
--> statement-breakpoint
CREATE TRIGGER report_archive_no_truncate BEFORE TRUNCATE ON report_archive
  FOR EACH STATEMENT EXECUTE FUNCTION report_archive_append_only();
