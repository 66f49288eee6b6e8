ALTER TABLE "login_throttle" ADD COLUMN "in_flight" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "login_throttle" ADD COLUMN "in_flight_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "login_throttle" ADD CONSTRAINT "login_throttle_in_flight_nonnegative" CHECK ("login_throttle"."in_flight" >= 0);