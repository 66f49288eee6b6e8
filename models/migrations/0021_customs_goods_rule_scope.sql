DROP INDEX "customs_goods_rule_changes_rule_idx";--> statement-breakpoint
/* 
    Unfortunately in current drizzle-kit version we can't automatically get name for primary key.
    We are working on making it available!

    Meanwhile you can:
        1. Check pk name in your database, by running
            SELECT constraint_name FROM information_schema.table_constraints
            WHERE table_schema = 'public'
                AND table_name = 'customs_goods_rules'
                AND constraint_type = 'PRIMARY KEY';
        2. Uncomment code below and paste pk name manually
        
    Hope to release this update as soon as possible
*/

-- ALTER TABLE "customs_goods_rules" DROP CONSTRAINT "<constraint_name>";--> statement-breakpoint
ALTER TABLE "customs_goods_rules" ADD CONSTRAINT "customs_goods_rules_rule_key_scope_pk" PRIMARY KEY("rule_key","scope");--> statement-breakpoint
ALTER TABLE "customs_goods_rule_changes" ADD COLUMN "scope" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "customs_goods_rules" ADD COLUMN "scope" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX "customs_goods_rule_changes_rule_idx" ON "customs_goods_rule_changes" USING btree ("rule_key","scope","changed_at");