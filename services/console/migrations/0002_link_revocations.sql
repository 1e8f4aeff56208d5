-- Customer links revoked (docs/CONSOLE.md "The customer's shipment page"): a link to this record
-- for this audience issued at or before revoked_at opens nothing, as if it never existed.
CREATE TABLE console.link_revocations (
    subject     text NOT NULL,   -- the waybill the links name
    audience    text NOT NULL CHECK (audience IN ('consignee', 'shipper')),
    revoked_at  timestamptz NOT NULL,
    revoked_by  text NOT NULL,
    reason      text NOT NULL DEFAULT '',
    PRIMARY KEY (subject, audience)
);
