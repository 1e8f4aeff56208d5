-- Shipper ids were an unsalted uuid5 of the phone number, shown next to the masked phone
-- (137****1234): the whole number fell out of 10,000 guesses. Every shipper gets a random id
-- (new shippers get one in code and are found again by their phone).
--
-- Consumers holding the old id are told through the bus, with the contract they already
-- consume: one `shipper.registered` per shipper with the new id (notifications files the
-- contact under it and, for a key customer, starts the monthly calls under it), and for a key
-- customer one `shipper.registered` under the old id with key_customer = false, which ends the
-- monthly calls filed under the old id. No mapping from old to new ids is kept: the old id is
-- the phone number in disguise.

ALTER TABLE logistics.shipments
    DROP CONSTRAINT shipments_shipper_id_fkey,
    ADD CONSTRAINT shipments_shipper_id_fkey FOREIGN KEY (shipper_id)
        REFERENCES logistics.shippers (shipper_id) ON UPDATE CASCADE;

CREATE TABLE logistics.shipper_rekeying AS
SELECT shipper_id AS old_id,
       'shp_' || left(replace(gen_random_uuid()::text, '-', ''), 20) AS new_id,
       name, phone, key_customer, version + 1 AS version
FROM logistics.shippers;

UPDATE logistics.shippers s
SET shipper_id = r.new_id, version = r.version, updated_at = now()
FROM logistics.shipper_rekeying r
WHERE s.shipper_id = r.old_id;

INSERT INTO logistics.outbox (event_id, subject, payload)
SELECT e.event_id, 'shipper.registered', convert_to(e.body::text, 'UTF8')
FROM (
    SELECT m.event_id,
           jsonb_build_object(
               'event_id', m.event_id, 'occurred_at', now(), 'schema_version', 1,
               'source', 'logistics', 'branch_id', NULL, 'correlation_id', NULL,
               'causation_id', NULL, 'version', m.version, 'shipper_id', m.shipper_id,
               'name', m.name, 'phone', m.phone, 'key_customer', m.key_customer
           ) AS body
    FROM (
        SELECT gen_random_uuid() AS event_id, new_id AS shipper_id, name, phone,
               key_customer, version, 1 AS step
        FROM logistics.shipper_rekeying
        UNION ALL
        SELECT gen_random_uuid(), old_id, name, phone, false, version, 0
        FROM logistics.shipper_rekeying
        WHERE key_customer
    ) m
) e;

DROP TABLE logistics.shipper_rekeying;
