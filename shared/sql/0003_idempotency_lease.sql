-- Idempotency keys in flight get an owner token and a lease (issue 16): once the lease is over
-- a retry takes the key over by replacing the owner, and the old owner's completion, which
-- commits in the same transaction as its writes, matches no row any more
-- (shared/web/idempotency.py). created_at is indexed for the purge of expired keys.
ALTER TABLE {schema}.idempotency_keys
    ADD COLUMN IF NOT EXISTS owner uuid,
    ADD COLUMN IF NOT EXISTS lease_until timestamptz;
CREATE INDEX IF NOT EXISTS idempotency_keys_created_at ON {schema}.idempotency_keys (created_at);
