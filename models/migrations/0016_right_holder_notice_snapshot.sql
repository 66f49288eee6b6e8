ALTER TABLE "right_holder_notices" ADD COLUMN "brand_name" text;--> statement-breakpoint
ALTER TABLE "right_holder_notices" ADD COLUMN "recordation_no" text;--> statement-breakpoint
ALTER TABLE "right_holder_notices" ADD COLUMN "notify_note" text;--> statement-breakpoint
ALTER TABLE "right_holder_notices" ADD COLUMN "answer_recorded_by" uuid;--> statement-breakpoint
ALTER TABLE "right_holder_notices" ADD CONSTRAINT "right_holder_notices_answer_recorded_by_users_id_fk" FOREIGN KEY ("answer_recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;