-- The branch a shipper belongs to: the origin of the shipment that registered it. Only that
-- branch, or a company-wide writer (logistics, admin), changes the shipper's name and its
-- key-customer flag; another branch shipping for the same phone reuses the shipper without
-- changing it (docs/SECURITY.md, "Branches change only what they own").
ALTER TABLE logistics.shippers ADD COLUMN branch_id text;

-- Shippers registered before: the origin of their first shipment.
UPDATE logistics.shippers s SET branch_id = first.origin_branch
FROM (
    SELECT DISTINCT ON (shipper_id) shipper_id, origin_branch
    FROM logistics.shipments ORDER BY shipper_id, created_at, waybill
) first
WHERE first.shipper_id = s.shipper_id;
