CREATE TABLE "customs_goods_rule_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rule_key" text NOT NULL,
	"action" text NOT NULL,
	"rate" double precision NOT NULL,
	"previous_rate" double precision NOT NULL,
	"reason" text NOT NULL,
	"expires_at" timestamp (3) with time zone,
	"changed_by" uuid,
	"changed_by_name" text NOT NULL,
	"changed_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customs_goods_rules" (
	"rule_key" text PRIMARY KEY NOT NULL,
	"raised_rate" double precision,
	"reason" text,
	"set_by" uuid,
	"set_by_name" text,
	"set_at" timestamp (3) with time zone,
	"expires_at" timestamp (3) with time zone,
	CONSTRAINT "customs_goods_rules_rate_range" CHECK ("customs_goods_rules"."raised_rate" is null or ("customs_goods_rules"."raised_rate" >= 0 and "customs_goods_rules"."raised_rate" <= 1))
);
--> statement-breakpoint
CREATE TABLE "protected_brands" (
	"brand_key" text PRIMARY KEY NOT NULL,
	"display_name" text NOT NULL,
	"aliases" text[] DEFAULT '{}'::text[] NOT NULL,
	"categories" text[] DEFAULT '{}'::text[] NOT NULL,
	"right_holder" text,
	"contact" text,
	"recordation_no" text,
	"active" boolean DEFAULT true NOT NULL,
	"updated_by" uuid,
	"updated_by_name" text,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "right_holder_notices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"parcel_id" uuid NOT NULL,
	"waybill_no" text NOT NULL,
	"brand_key" text NOT NULL,
	"right_holder" text,
	"contact" text,
	"origin_city" text NOT NULL,
	"method" text,
	"notified_at" timestamp (3) with time zone,
	"notified_by" uuid,
	"notified_by_name" text,
	"deadline_at" timestamp (3) with time zone,
	"answer" text,
	"answer_note" text,
	"answered_at" timestamp (3) with time zone,
	"answer_recorded_by_name" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ring_allowlist" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"label" text NOT NULL,
	"reason" text NOT NULL,
	"ring_id" uuid,
	"region_code" text NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"created_by" uuid,
	"created_by_name" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	"revoked_by_name" text
);
--> statement-breakpoint
CREATE TABLE "ring_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ring_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"by_user" uuid,
	"by_name" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ring_price_floors" (
	"key" text PRIMARY KEY NOT NULL,
	"brand" text,
	"category" text,
	"floor_cny" numeric(12, 2) NOT NULL,
	"source" text NOT NULL,
	"set_by" uuid,
	"set_by_name" text,
	"set_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ring_price_floors_positive" CHECK ("ring_price_floors"."floor_cny" > 0)
);
--> statement-breakpoint
CREATE TABLE "seizure_disposals" (
	"parcel_id" uuid PRIMARY KEY NOT NULL,
	"waybill_no" text NOT NULL,
	"origin_city" text NOT NULL,
	"kind" text NOT NULL,
	"party" text NOT NULL,
	"certificate_no" text,
	"disposed_at" timestamp (3) with time zone NOT NULL,
	"note" text,
	"recorded_by" uuid,
	"recorded_by_name" text NOT NULL,
	"recorded_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "customs_inspections" ADD COLUMN "grounds" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "customs_inspections" ADD COLUMN "goods_rule_key" text;--> statement-breakpoint
ALTER TABLE "customs_inspections" ADD COLUMN "route_rate" double precision;--> statement-breakpoint
ALTER TABLE "ring_members" ADD COLUMN "implausible" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "ring_members" ADD COLUMN "sender_name_key" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "ring_members" ADD COLUMN "identity_conflict" text;--> statement-breakpoint
ALTER TABLE "ring_members" ADD COLUMN "link_keys" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "ring_members" ADD COLUMN "linked_via" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "ring_members" ADD COLUMN "split_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "customs_goods_rule_changes" ADD CONSTRAINT "customs_goods_rule_changes_changed_by_users_id_fk" FOREIGN KEY ("changed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customs_goods_rules" ADD CONSTRAINT "customs_goods_rules_set_by_users_id_fk" FOREIGN KEY ("set_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "protected_brands" ADD CONSTRAINT "protected_brands_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "right_holder_notices" ADD CONSTRAINT "right_holder_notices_parcel_id_parcels_id_fk" FOREIGN KEY ("parcel_id") REFERENCES "public"."parcels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "right_holder_notices" ADD CONSTRAINT "right_holder_notices_notified_by_users_id_fk" FOREIGN KEY ("notified_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ring_allowlist" ADD CONSTRAINT "ring_allowlist_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ring_events" ADD CONSTRAINT "ring_events_by_user_users_id_fk" FOREIGN KEY ("by_user") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ring_price_floors" ADD CONSTRAINT "ring_price_floors_set_by_users_id_fk" FOREIGN KEY ("set_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seizure_disposals" ADD CONSTRAINT "seizure_disposals_parcel_id_parcels_id_fk" FOREIGN KEY ("parcel_id") REFERENCES "public"."parcels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seizure_disposals" ADD CONSTRAINT "seizure_disposals_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customs_goods_rule_changes_rule_idx" ON "customs_goods_rule_changes" USING btree ("rule_key","changed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "right_holder_notices_parcel_brand_uq" ON "right_holder_notices" USING btree ("parcel_id","brand_key");--> statement-breakpoint
CREATE INDEX "right_holder_notices_city_created_idx" ON "right_holder_notices" USING btree ("origin_city","created_at");--> statement-breakpoint
CREATE INDEX "ring_allowlist_key_idx" ON "ring_allowlist" USING btree ("key","expires_at");--> statement-breakpoint
CREATE INDEX "ring_events_ring_idx" ON "ring_events" USING btree ("ring_id","at");--> statement-breakpoint
CREATE INDEX "seizure_disposals_city_disposed_idx" ON "seizure_disposals" USING btree ("origin_city","disposed_at");
--> statement-breakpoint
-- The protected brands the code knew (server/watchlist/normalize.ts until issue 17), now data: right holders as
-- registered owners of the marks; contacts and customs recordation numbers are for customs to fill in.
INSERT INTO "protected_brands" ("brand_key", "display_name", "aliases", "categories", "right_holder") VALUES
  ('nike', 'Nike', ARRAY['nike','耐克','air jordan','jordan']::text[], ARRAY['shoes','clothing']::text[], 'Nike Innovate C.V.'),
  ('adidas', 'adidas', ARRAY['adidas','阿迪达斯','阿迪']::text[], ARRAY['shoes','clothing']::text[], 'adidas AG'),
  ('louis vuitton', 'Louis Vuitton', ARRAY['louis vuitton','lv','路易威登','驴牌']::text[], ARRAY['bags','clothing','jewelry']::text[], 'Louis Vuitton Malletier'),
  ('gucci', 'Gucci', ARRAY['gucci','古驰','古奇']::text[], ARRAY['bags','clothing','shoes']::text[], 'Guccio Gucci S.p.A.'),
  ('chanel', 'Chanel', ARRAY['chanel','香奈儿','小香']::text[], ARRAY['bags','cosmetics','clothing','jewelry']::text[], 'Chanel SARL'),
  ('hermes', 'Hermès', ARRAY['hermes','hermès','爱马仕']::text[], ARRAY['bags','clothing']::text[], 'Hermès International'),
  ('prada', 'Prada', ARRAY['prada','普拉达']::text[], ARRAY['bags','clothing','shoes']::text[], 'Prada S.A.'),
  ('dior', 'Dior', ARRAY['dior','迪奥']::text[], ARRAY['bags','cosmetics','clothing']::text[], 'Christian Dior Couture'),
  ('rolex', 'Rolex', ARRAY['rolex','劳力士']::text[], ARRAY['watches']::text[], 'Rolex SA'),
  ('omega', 'Omega', ARRAY['omega','欧米茄']::text[], ARRAY['watches']::text[], 'Omega SA'),
  ('cartier', 'Cartier', ARRAY['cartier','卡地亚']::text[], ARRAY['jewelry','watches']::text[], 'Cartier International AG'),
  ('burberry', 'Burberry', ARRAY['burberry','巴宝莉','博柏利']::text[], ARRAY['clothing','bags']::text[], 'Burberry Limited'),
  ('estee lauder', 'Estée Lauder', ARRAY['estee lauder','estée lauder','雅诗兰黛']::text[], ARRAY['cosmetics']::text[], 'Estee Lauder Cosmetics Ltd.'),
  ('lancome', 'Lancôme', ARRAY['lancome','lancôme','兰蔻']::text[], ARRAY['cosmetics']::text[], 'L''Oréal (Lancôme Parfums et Beauté)'),
  ('apple', 'Apple', ARRAY['apple','iphone','airpods','ipad']::text[], ARRAY['electronics','phone_accessories']::text[], 'Apple Inc.'),
  ('samsung', 'Samsung', ARRAY['samsung','三星']::text[], ARRAY['electronics','phone_accessories']::text[], 'Samsung Electronics Co., Ltd.'),
  ('new balance', 'New Balance', ARRAY['new balance','新百伦']::text[], ARRAY['shoes']::text[], 'New Balance Athletics, Inc.'),
  ('puma', 'Puma', ARRAY['puma','彪马']::text[], ARRAY['shoes','clothing']::text[], 'Puma SE'),
  ('canada goose', 'Canada Goose', ARRAY['canada goose','加拿大鹅']::text[], ARRAY['clothing']::text[], 'Canada Goose Inc.'),
  ('moncler', 'Moncler', ARRAY['moncler','蒙口']::text[], ARRAY['clothing']::text[], 'Moncler S.p.A.'),
  ('balenciaga', 'Balenciaga', ARRAY['balenciaga','巴黎世家']::text[], ARRAY['bags','shoes','clothing']::text[], 'Balenciaga'),
  ('yves saint laurent', 'Yves Saint Laurent', ARRAY['yves saint laurent','ysl','圣罗兰']::text[], ARRAY['bags','cosmetics']::text[], 'Yves Saint Laurent'),
  ('the north face', 'The North Face', ARRAY['the north face','北面']::text[], ARRAY['clothing']::text[], 'The North Face Apparel Corp.'),
  ('pandora', 'Pandora', ARRAY['pandora','潘多拉']::text[], ARRAY['jewelry']::text[], 'Pandora A/S'),
  ('swarovski', 'Swarovski', ARRAY['swarovski','施华洛世奇']::text[], ARRAY['jewelry']::text[], 'Swarovski AG')
ON CONFLICT ("brand_key") DO NOTHING;
