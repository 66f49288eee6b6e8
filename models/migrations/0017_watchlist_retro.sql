CREATE TABLE "watchlist_retro_alerts" (
	"run_id" uuid NOT NULL,
	"alert_id" uuid NOT NULL,
	"opened" boolean NOT NULL,
	CONSTRAINT "watchlist_retro_alerts_run_id_alert_id_pk" PRIMARY KEY("run_id","alert_id")
);
--> statement-breakpoint
CREATE TABLE "watchlist_retro_entries" (
	"run_id" uuid NOT NULL,
	"entry_id" uuid NOT NULL,
	CONSTRAINT "watchlist_retro_entries_run_id_entry_id_pk" PRIMARY KEY("run_id","entry_id")
);
--> statement-breakpoint
CREATE TABLE "watchlist_retro_flags" (
	"parcel_id" uuid NOT NULL,
	"entry_id" uuid NOT NULL,
	"run_id" uuid,
	"alert_id" uuid,
	"list_type" text NOT NULL,
	"entry_value" text NOT NULL,
	"reason" jsonb NOT NULL,
	"flagged_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "watchlist_retro_flags_parcel_id_entry_id_pk" PRIMARY KEY("parcel_id","entry_id")
);
--> statement-breakpoint
CREATE TABLE "watchlist_retro_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created_by" uuid,
	"jurisdiction" text,
	"source" text NOT NULL,
	"lookback_days" integer NOT NULL,
	"window_from" timestamp with time zone NOT NULL,
	"window_to" timestamp with time zone NOT NULL,
	"entry_count" integer NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"job_key" text NOT NULL,
	"cursor_at" timestamp with time zone,
	"cursor_id" uuid,
	"chunks" integer DEFAULT 0 NOT NULL,
	"parcels_screened" integer DEFAULT 0 NOT NULL,
	"matched" integer DEFAULT 0 NOT NULL,
	"alerts_opened" integer DEFAULT 0 NOT NULL,
	"alerts_grown" integer DEFAULT 0 NOT NULL,
	"flagged_in_network" integer DEFAULT 0 NOT NULL,
	"matched_by_province" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	CONSTRAINT "watchlist_retro_runs_status_known" CHECK ("watchlist_retro_runs"."status" in ('queued', 'running', 'done'))
);
--> statement-breakpoint
ALTER TABLE "watchlist_retro_alerts" ADD CONSTRAINT "watchlist_retro_alerts_run_id_watchlist_retro_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."watchlist_retro_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watchlist_retro_alerts" ADD CONSTRAINT "watchlist_retro_alerts_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watchlist_retro_entries" ADD CONSTRAINT "watchlist_retro_entries_run_id_watchlist_retro_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."watchlist_retro_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watchlist_retro_entries" ADD CONSTRAINT "watchlist_retro_entries_entry_id_watchlist_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."watchlist_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watchlist_retro_flags" ADD CONSTRAINT "watchlist_retro_flags_parcel_id_parcels_id_fk" FOREIGN KEY ("parcel_id") REFERENCES "public"."parcels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watchlist_retro_flags" ADD CONSTRAINT "watchlist_retro_flags_entry_id_watchlist_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."watchlist_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watchlist_retro_flags" ADD CONSTRAINT "watchlist_retro_flags_run_id_watchlist_retro_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."watchlist_retro_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watchlist_retro_flags" ADD CONSTRAINT "watchlist_retro_flags_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watchlist_retro_runs" ADD CONSTRAINT "watchlist_retro_runs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "watchlist_retro_flags_alert_idx" ON "watchlist_retro_flags" USING btree ("alert_id");--> statement-breakpoint
CREATE INDEX "watchlist_retro_runs_created_idx" ON "watchlist_retro_runs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "parcels_created_idx" ON "parcels" USING btree ("created_at","id");