-- The audit log and the loyalty ledger are append-only in the database itself: a row once written is never
-- changed or removed, whoever asks (the same messages as SQLite's triggers).

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME;
END
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change('the audit log cannot be changed');
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change('the audit log cannot be changed');
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('the audit log cannot be changed');

CREATE TRIGGER loyalty_entries_no_update BEFORE UPDATE ON loyalty_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change('loyalty entries are never changed');
CREATE TRIGGER loyalty_entries_no_delete BEFORE DELETE ON loyalty_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change('loyalty entries are never changed');
CREATE TRIGGER loyalty_entries_no_truncate BEFORE TRUNCATE ON loyalty_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('loyalty entries are never changed');
