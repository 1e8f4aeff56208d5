-- The console's own data: staff accounts, their sessions and every sign-in attempt.
-- Everything else a page shows is read through the five services' APIs, never stored here.

CREATE TABLE console.staff (
    username       text PRIMARY KEY,
    -- argon2id; NULL for an account that signs in only through the company's identity provider.
    password_hash  text,
    role           text NOT NULL,
    branch         text,
    region         text,
    department     text,
    team           text,
    disabled       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- A session is found by the SHA-256 of its cookie value: a copy of this table signs nobody in.
CREATE TABLE console.sessions (
    token_hash     bytea PRIMARY KEY,
    username       text NOT NULL REFERENCES console.staff (username) ON DELETE CASCADE,
    csrf_token     text NOT NULL,
    address        text NOT NULL,
    user_agent     text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    last_seen_at   timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    ended_at       timestamptz,
    ended_by       text CHECK (ended_by IN ('sign_out', 'expired', 'disabled'))
);
CREATE INDEX sessions_open_by_user ON console.sessions (username) WHERE ended_at IS NULL;
CREATE INDEX sessions_open_by_expiry ON console.sessions (expires_at) WHERE ended_at IS NULL;

CREATE TABLE console.login_attempts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username    text NOT NULL,
    address     text NOT NULL,
    at          timestamptz NOT NULL,
    outcome     text NOT NULL
                CHECK (outcome IN ('ok', 'bad_password', 'unknown_user', 'disabled', 'throttled'))
);
-- The throttle reads a user's and an address's latest failures; the audit reads by time.
CREATE INDEX login_attempts_by_user ON console.login_attempts (username, at DESC);
CREATE INDEX login_attempts_by_address ON console.login_attempts (address, at DESC);
CREATE INDEX login_attempts_by_time ON console.login_attempts (at);
