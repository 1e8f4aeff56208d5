-- A renovation customer's links (audience 'customer', the subject a project's id) are revoked
-- the way a shipment's are (docs/CONSOLE.md "The renovation customer's page").
ALTER TABLE console.link_revocations DROP CONSTRAINT link_revocations_audience_check;
ALTER TABLE console.link_revocations ADD CONSTRAINT link_revocations_audience_check
    CHECK (audience IN ('consignee', 'shipper', 'customer'));
COMMENT ON COLUMN console.link_revocations.subject IS 'the waybill or the project the links name';
