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
ALTER TABLE "users" ADD CONSTRAINT "users_role_known" CHECK ("users"."role" in ('courier', 'outlet_supervisor', 'postal_regulator', 'customs_officer', 'admin', 'auditor'));--> statement-breakpoint
-- Issue 21: the audit trail as a hash chain. Each row's hash is SHA-256 over the previous row's hash, its place
-- in the chain and its content, computed here on insert under a row lock on audit_chain_head, so rows from any
-- number of server processes form one chain in the order they were written (commit order within the lock).
-- Fields are quoted literals joined by '|' (quote_nullable: NULL and '' differ, no separator can be forged);
-- jsonb's text form is canonical (keys sorted), the same on PGlite and on a server.
CREATE OR REPLACE FUNCTION audit_row_digest(prev text, seq bigint, row_id bigint, row_at timestamptz, actor_user_id uuid,
  actor_username text, action text, subject_type text, subject_id text, request_id text, details jsonb)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(concat_ws('|', quote_nullable(prev), seq::text, row_id::text,
    quote_nullable(to_char(row_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), quote_nullable(actor_user_id::text),
    quote_nullable(actor_username), quote_nullable(action), quote_nullable(subject_type), quote_nullable(subject_id),
    quote_nullable(request_id), quote_nullable(details::text)), 'UTF8')), 'hex')
$$;
--> statement-breakpoint
INSERT INTO audit_chain_head (id, seq, hash, base_seq, base_hash) VALUES (1, 0, '', 0, '');
--> statement-breakpoint
-- Rows written before this migration join the chain in the order of their ids (the append-only trigger is
-- lifted for this one backfill, inside the migration's transaction, and put back below).
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete;
--> statement-breakpoint
DO $$
DECLARE r record; prev text := ''; s bigint := 0; h text;
BEGIN
  FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
    s := s + 1;
    h := audit_row_digest(prev, s, r.id, r.at, r.actor_user_id, r.actor_username, r.action, r.subject_type, r.subject_id, r.request_id, r.details);
    UPDATE audit_log SET chain_seq = s, prev_hash = prev, hash = h WHERE id = r.id;
    prev := h;
  END LOOP;
  UPDATE audit_chain_head SET seq = s, hash = prev WHERE id = 1;
END $$;
--> statement-breakpoint
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE h record;
BEGIN
  -- The lock is held until this transaction ends: the next row's previous hash is never one that rolls back.
  SELECT seq, hash INTO h FROM audit_chain_head WHERE id = 1 FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'audit_chain_head is missing' USING ERRCODE = 'insufficient_privilege';
  END IF;
  NEW.chain_seq := h.seq + 1;
  NEW.prev_hash := h.hash;
  NEW.hash := audit_row_digest(NEW.prev_hash, NEW.chain_seq, NEW.id, NEW.at, NEW.actor_user_id, NEW.actor_username, NEW.action,
    NEW.subject_type, NEW.subject_id, NEW.request_id, NEW.details);
  UPDATE audit_chain_head SET seq = NEW.chain_seq, hash = NEW.hash, updated_at = clock_timestamp() WHERE id = 1;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
--> statement-breakpoint
-- Still append-only (migration 0010): UPDATE and TRUNCATE always raise; DELETE raises unless it is retention
-- pruning the chain from its start (audit_prune below): only the oldest row, only when older than 180 days
-- (the Cybersecurity Law's six months for network logs), and the head's base moves with it, so what is left
-- still verifies and nothing recent can go this way.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE base bigint;
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('parcelguard.audit_prune', true) = 'on' THEN
    SELECT base_seq INTO base FROM audit_chain_head WHERE id = 1 FOR UPDATE;
    IF OLD.chain_seq = base + 1 AND OLD.at < now() - interval '180 days' THEN
      UPDATE audit_chain_head SET base_seq = OLD.chain_seq, base_hash = OLD.hash, updated_at = clock_timestamp() WHERE id = 1;
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log: only the oldest row, and only past 180 days, may be pruned'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'Audit records are never changed or removed.';
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_prune(cutoff timestamptz, max_rows integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE n integer := 0; base bigint; r record;
BEGIN
  PERFORM set_config('parcelguard.audit_prune', 'on', true);
  LOOP
    EXIT WHEN n >= max_rows;
    SELECT base_seq INTO base FROM audit_chain_head WHERE id = 1;
    SELECT id, at INTO r FROM audit_log WHERE chain_seq = base + 1;
    EXIT WHEN NOT FOUND OR r.at >= cutoff OR r.at >= now() - interval '180 days';
    DELETE FROM audit_log WHERE id = r.id;
    n := n + 1;
  END LOOP;
  PERFORM set_config('parcelguard.audit_prune', 'off', true);
  RETURN n;
END;
$$;
--> statement-breakpoint
-- The head moves only from audit_log's own triggers (trigger depth > 1), never by a statement of its own.
CREATE OR REPLACE FUNCTION audit_chain_head_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_chain_head follows the audit log: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_chain_head_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_chain_head FOR EACH ROW EXECUTE FUNCTION audit_chain_head_guard();
--> statement-breakpoint
CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_guard();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_anchors_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_anchors is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_anchors_no_update_delete BEFORE UPDATE OR DELETE ON audit_anchors FOR EACH ROW EXECUTE FUNCTION audit_anchors_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_anchors_no_truncate BEFORE TRUNCATE ON audit_anchors FOR EACH STATEMENT EXECUTE FUNCTION audit_anchors_append_only();
