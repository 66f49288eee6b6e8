CREATE TABLE "ring_days" (
	"ring_id" uuid NOT NULL,
	"day" date NOT NULL,
	"parcels" integer DEFAULT 0 NOT NULL,
	"value_cny" numeric(14, 2) DEFAULT 0 NOT NULL,
	"under_limit" integer DEFAULT 0 NOT NULL,
	"just_under" integer DEFAULT 0 NOT NULL,
	"hmt" integer DEFAULT 0 NOT NULL,
	"implausible" integer DEFAULT 0 NOT NULL,
	"vague" integer DEFAULT 0 NOT NULL,
	"mismatch" integer DEFAULT 0 NOT NULL,
	"watchlist_hits" integer DEFAULT 0 NOT NULL,
	"seized" integer DEFAULT 0 NOT NULL,
	"brands" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"categories" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"senders" text[] DEFAULT '{}'::text[] NOT NULL,
	CONSTRAINT "ring_days_ring_id_day_pk" PRIMARY KEY("ring_id","day")
);
--> statement-breakpoint
CREATE TABLE "ring_sender_years" (
	"sender_key" text NOT NULL,
	"year" integer NOT NULL,
	"parcels" integer DEFAULT 0 NOT NULL,
	"value_cny" numeric(14, 2) DEFAULT 0 NOT NULL,
	CONSTRAINT "ring_sender_years_sender_key_year_pk" PRIMARY KEY("sender_key","year")
);
--> statement-breakpoint
ALTER TABLE "rings" ADD COLUMN "annual_top" jsonb;--> statement-breakpoint
CREATE INDEX "ring_days_day_idx" ON "ring_days" USING btree ("day");--> statement-breakpoint
CREATE INDEX "ring_sender_years_year_idx" ON "ring_sender_years" USING btree ("year");