-- Platform tables every service schema carries: outbox, inbox, dead letters, timers,
-- idempotency keys, and the clock the timers compare against. {schema} is the service schema.

CREATE OR REPLACE FUNCTION {schema}.kefu_now() RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT now() + coalesce(nullif(current_setting('kefu.clock_offset', true), '')::interval,
                          interval '0')
$$;

CREATE TABLE IF NOT EXISTS {schema}.outbox (
    id          bigserial PRIMARY KEY,
    event_id    uuid NOT NULL UNIQUE,
    subject     text NOT NULL,
    payload     bytea NOT NULL,
    headers     jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    attempts    int NOT NULL DEFAULT 0
);

CREATE OR REPLACE FUNCTION {schema}.outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('kefu_outbox_{schema}', '');
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS outbox_notify ON {schema}.outbox;
CREATE TRIGGER outbox_notify AFTER INSERT ON {schema}.outbox
  FOR EACH STATEMENT EXECUTE FUNCTION {schema}.outbox_notify();

CREATE TABLE IF NOT EXISTS {schema}.inbox (
    consumer    text NOT NULL,
    event_id    text NOT NULL,
    handled_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

CREATE TABLE IF NOT EXISTS {schema}.dead_letters (
    id              bigserial PRIMARY KEY,
    consumer        text NOT NULL,
    subject         text NOT NULL,
    headers         jsonb NOT NULL DEFAULT '{}'::jsonb,
    body            bytea NOT NULL,
    error           text NOT NULL,
    deliveries      int NOT NULL,
    stream_seq      bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    replayed_at     timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS dead_letters_consumer_seq
    ON {schema}.dead_letters (consumer, stream_seq) WHERE stream_seq IS NOT NULL;

CREATE TABLE IF NOT EXISTS {schema}.timers (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL,
    key          text NOT NULL,
    due_at       timestamptz NOT NULL,
    payload      jsonb NOT NULL DEFAULT '{}'::jsonb,
    lease_until  timestamptz,
    lease_token  uuid,
    attempts     int NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, key)
);
CREATE INDEX IF NOT EXISTS timers_due ON {schema}.timers (due_at);

CREATE TABLE IF NOT EXISTS {schema}.idempotency_keys (
    principal     text NOT NULL,
    key           text NOT NULL,
    method        text NOT NULL,
    path          text NOT NULL,
    request_hash  text NOT NULL,
    status        int,
    response      bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);
