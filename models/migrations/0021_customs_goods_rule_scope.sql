DROP INDEX "customs_goods_rule_changes_rule_idx";--> statement-breakpoint
ALTER TABLE "customs_goods_rule_changes" ADD COLUMN "scope" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "customs_goods_rules" ADD COLUMN "scope" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "customs_goods_rules" DROP CONSTRAINT "customs_goods_rules_pkey";--> statement-breakpoint
ALTER TABLE "customs_goods_rules" ADD CONSTRAINT "customs_goods_rules_rule_key_scope_pk" PRIMARY KEY("rule_key","scope");--> statement-breakpoint
CREATE INDEX "customs_goods_rule_changes_rule_idx" ON "customs_goods_rule_changes" USING btree ("rule_key","scope","changed_at");
