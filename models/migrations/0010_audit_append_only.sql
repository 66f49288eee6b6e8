-- Issue 14.14: the audit trail is append-only. Through the role the server uses, a row once written can be
-- neither changed nor removed: UPDATE, DELETE and TRUNCATE of audit_log raise (SQLSTATE 42501). Nothing in
-- the application updates or deletes audit rows; a purge, if ever required by a retention rule, is an
-- operator's act under another role that first drops these triggers, and shows in the database's own logs.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'Audit records are never changed or removed.';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
