-- Console sessions signed out, so that every gateway (and every worker) refuses their cookies, not only the one
-- that handled the sign-out. A row is kept until the cookie could no longer be used anyway (idle expiry).

CREATE TABLE console_signed_out (
    session_id TEXT COLLATE "C" PRIMARY KEY,
    signed_out_at TEXT COLLATE "C" NOT NULL,
    forget_after TEXT COLLATE "C" NOT NULL
);
CREATE INDEX console_signed_out_forget ON console_signed_out (forget_after);
