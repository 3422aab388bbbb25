"""The schema as named, ordered migrations: each script is applied once, in order, by store.migrations."""

from __future__ import annotations

# Open exceptions per subject and day, kept by triggers: a busy cashier's count reads days, not every exception.
_COUNT_IN = (
    "INSERT INTO exception_days VALUES (NEW.subject_kind, NEW.subject, NEW.occurred_on, 1)"
    " ON CONFLICT DO UPDATE SET open_count = open_count + 1;"
)
_COUNT_OUT = (
    "UPDATE exception_days SET open_count = open_count - 1"
    " WHERE subject_kind = OLD.subject_kind AND subject = OLD.subject AND occurred_on = OLD.occurred_on;"
)

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_tickets",
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE tickets (
            ticket_id TEXT PRIMARY KEY,
            store_id TEXT NOT NULL,
            register_id TEXT NOT NULL,
            cashier_id TEXT NOT NULL,
            business_date TEXT NOT NULL,
            created_at TEXT NOT NULL,
            origin TEXT NOT NULL,
            status TEXT NOT NULL,
            positive_id_hash TEXT,
            positive_id_display TEXT,
            customer_id TEXT,
            customer_type TEXT,
            customer_masked TEXT,
            response_type TEXT,
            response_code TEXT,
            policy_version TEXT,
            return_transaction_id TEXT,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX tickets_positive_id ON tickets (positive_id_hash);
        CREATE INDEX tickets_customer ON tickets (customer_id);
        CREATE INDEX tickets_cashier ON tickets (cashier_id, business_date);
        CREATE INDEX tickets_store ON tickets (store_id, business_date);
        CREATE INDEX tickets_status ON tickets (status, business_date);
        CREATE TABLE attempts (
            ticket_id TEXT NOT NULL REFERENCES tickets (ticket_id),
            attempt_no INTEGER NOT NULL,
            message_id TEXT NOT NULL,
            received_at TEXT NOT NULL,
            responded_at TEXT,
            policy_version TEXT,
            response_type TEXT,
            response_code TEXT,
            customer_information_required INTEGER,
            override_used INTEGER,
            decision_json TEXT,
            PRIMARY KEY (ticket_id, attempt_no)
        );
        CREATE TABLE ticket_lines (
            ticket_id TEXT NOT NULL,
            attempt_no INTEGER NOT NULL,
            line_number INTEGER NOT NULL,
            item_id TEXT NOT NULL,
            original_sale TEXT,
            receipted INTEGER NOT NULL,
            gift_receipt INTEGER NOT NULL,
            quantity TEXT NOT NULL,
            unit_price TEXT NOT NULL,
            response_type TEXT NOT NULL,
            response_code TEXT NOT NULL,
            approved_quantity TEXT NOT NULL,
            refund_amount TEXT NOT NULL,
            policy_id TEXT NOT NULL,
            pattern_watch INTEGER NOT NULL,
            PRIMARY KEY (ticket_id, attempt_no, line_number)
        );
        CREATE INDEX ticket_lines_item ON ticket_lines (item_id);
        CREATE INDEX ticket_lines_sale ON ticket_lines (original_sale);
        CREATE TABLE messages (
            message_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            digest TEXT NOT NULL,
            ticket_id TEXT NOT NULL,
            attempt_no INTEGER,
            response BLOB,
            received_at TEXT NOT NULL
        );
        CREATE TABLE final_results (
            message_id TEXT PRIMARY KEY,
            ticket_id TEXT NOT NULL,
            return_transaction_id TEXT NOT NULL,
            voided INTEGER NOT NULL,
            business_date TEXT NOT NULL,
            received_at TEXT NOT NULL,
            result_json TEXT NOT NULL,
            UNIQUE (return_transaction_id, voided)
        );
        CREATE INDEX final_results_ticket ON final_results (ticket_id);
        CREATE TABLE returned_quantities (
            original_sale TEXT NOT NULL,
            item_id TEXT NOT NULL,
            ticket_id TEXT NOT NULL,
            quantity TEXT NOT NULL,
            PRIMARY KEY (original_sale, item_id, ticket_id)
        );
        CREATE TABLE customer_returns (
            positive_id_hash TEXT NOT NULL,
            ticket_id TEXT NOT NULL,
            receipted INTEGER NOT NULL,
            return_date TEXT NOT NULL,
            items TEXT NOT NULL,
            amount TEXT NOT NULL,
            pattern_watch INTEGER NOT NULL,
            PRIMARY KEY (positive_id_hash, ticket_id, receipted)
        );
        CREATE TABLE exceptions (
            exception_id INTEGER PRIMARY KEY,
            subject_kind TEXT NOT NULL,
            subject TEXT NOT NULL,
            exception_type TEXT NOT NULL,
            ticket_id TEXT NOT NULL,
            store_id TEXT NOT NULL,
            occurred_on TEXT NOT NULL,
            amount TEXT NOT NULL,
            reversed_at TEXT
        );
        CREATE INDEX exceptions_subject ON exceptions (subject_kind, subject, occurred_on);
        CREATE INDEX exceptions_ticket ON exceptions (ticket_id);
        """,
    ),
    (
        "0002_sealed_customer",
        """
        ALTER TABLE tickets ADD COLUMN customer_sealed TEXT
        """,
    ),
    (
        "0003_administration",
        """
        CREATE TABLE service_overrides (
            override_id INTEGER PRIMARY KEY,
            positive_id_hash TEXT NOT NULL,
            granted_by TEXT NOT NULL,
            reason TEXT NOT NULL,
            granted_on TEXT NOT NULL,
            expires_on TEXT NOT NULL,
            status TEXT NOT NULL,
            ticket_id TEXT
        );
        CREATE INDEX service_overrides_customer ON service_overrides (positive_id_hash, status);
        CREATE TABLE count_overrides (
            positive_id_hash TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            value INTEGER NOT NULL,
            set_on TEXT NOT NULL,
            until TEXT,
            set_by TEXT NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE TABLE pattern_watches (
            watch_id TEXT PRIMARY KEY,
            item_id TEXT,
            node_id TEXT,
            purchase_from TEXT NOT NULL,
            purchase_to TEXT NOT NULL,
            return_from TEXT NOT NULL,
            return_to TEXT NOT NULL,
            description TEXT NOT NULL,
            created_by TEXT NOT NULL,
            retired_at TEXT
        );
        CREATE TABLE policy_versions (
            version TEXT PRIMARY KEY,
            content BLOB NOT NULL,
            etag TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            activated_at TEXT
        );
        CREATE TABLE audit_log (
            entry_id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            before_json TEXT,
            after_json TEXT
        );
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END
        """,
    ),
    (
        "0004_loyalty",
        """
        ALTER TABLE tickets ADD COLUMN loyalty_account_id TEXT;
        CREATE TABLE loyalty_entries (
            entry_id INTEGER PRIMARY KEY,
            account_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            ticket_id TEXT,
            kind TEXT NOT NULL,
            point_account TEXT,
            source TEXT,
            points TEXT NOT NULL,
            balance TEXT NOT NULL,
            rewards TEXT NOT NULL,
            offer_id TEXT,
            tier TEXT,
            sale TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX loyalty_entries_account ON loyalty_entries (account_id, entry_id);
        CREATE INDEX loyalty_entries_ticket ON loyalty_entries (ticket_id);
        CREATE TABLE loyalty_purchases (
            sale TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            purchase_json TEXT NOT NULL,
            message_id TEXT NOT NULL
        );
        CREATE TRIGGER loyalty_entries_no_update BEFORE UPDATE ON loyalty_entries
            BEGIN SELECT RAISE(ABORT, 'loyalty entries are never changed'); END;
        CREATE TRIGGER loyalty_entries_no_delete BEFORE DELETE ON loyalty_entries
            BEGIN SELECT RAISE(ABORT, 'loyalty entries are never changed'); END
        """,
    ),
    (
        "0005_exception_days",
        f"""
        CREATE TABLE exception_days (
            subject_kind TEXT NOT NULL,
            subject TEXT NOT NULL,
            occurred_on TEXT NOT NULL,
            open_count INTEGER NOT NULL,
            PRIMARY KEY (subject_kind, subject, occurred_on)
        ) WITHOUT ROWID;
        INSERT INTO exception_days SELECT subject_kind, subject, occurred_on, COUNT(*) FROM exceptions
            WHERE reversed_at IS NULL GROUP BY subject_kind, subject, occurred_on;
        CREATE TRIGGER exception_days_insert AFTER INSERT ON exceptions WHEN NEW.reversed_at IS NULL
            BEGIN {_COUNT_IN} END;
        CREATE TRIGGER exception_days_delete AFTER DELETE ON exceptions WHEN OLD.reversed_at IS NULL
            BEGIN {_COUNT_OUT} END;
        CREATE TRIGGER exception_days_update_old AFTER UPDATE ON exceptions WHEN OLD.reversed_at IS NULL
            BEGIN {_COUNT_OUT} END;
        CREATE TRIGGER exception_days_update_new AFTER UPDATE ON exceptions WHEN NEW.reversed_at IS NULL
            BEGIN {_COUNT_IN} END
        """,
    ),
    (
        "0006_loyalty_accounts",
        """
        CREATE TABLE loyalty_accounts (account_id TEXT PRIMARY KEY, last_entry_id INTEGER NOT NULL, sums TEXT NOT NULL)
        """,
    ),
    (
        "0007_ticket_search_order",
        """
        DROP INDEX tickets_status;
        CREATE INDEX tickets_status ON tickets (status, created_at DESC, ticket_id);
        CREATE INDEX tickets_created ON tickets (created_at DESC, ticket_id)
        """,
    ),
    (
        "0008_exception_instants",
        """
        ALTER TABLE exceptions ADD COLUMN recorded_at TEXT;
        UPDATE exceptions SET recorded_at = (SELECT MIN(f.received_at) FROM final_results f
            WHERE f.ticket_id = exceptions.ticket_id AND f.voided = 0);
        UPDATE exceptions SET recorded_at = occurred_on WHERE recorded_at IS NULL;
        CREATE INDEX exceptions_recorded ON exceptions (subject_kind, subject, recorded_at);
        ALTER TABLE count_overrides ADD COLUMN set_at TEXT;
        CREATE INDEX loyalty_entries_sale ON loyalty_entries (sale);
        CREATE INDEX loyalty_purchases_account ON loyalty_purchases (account_id)
        """,
    ),
    (
        "0009_ticket_business_date",
        """
        CREATE INDEX tickets_business_date ON tickets (business_date)
        """,
    ),
    (
        "0010_console_signed_out",
        """
        CREATE TABLE console_signed_out (
            session_id TEXT PRIMARY KEY,
            signed_out_at TEXT NOT NULL,
            forget_after TEXT NOT NULL
        );
        CREATE INDEX console_signed_out_forget ON console_signed_out (forget_after)
        """,
    ),
)
