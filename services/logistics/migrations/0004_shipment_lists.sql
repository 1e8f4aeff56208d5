-- The desk's lists (GET /v1/shipments, GET /v1/receipts): every filter a keyset scan on
-- (dispatched_at, waybill) or (due_on, waybill) that stops at the page size, even with a
-- million shipments. A station's list merges the legs of the route (origin, first and second
-- transfer, destination), each with its own index. Scanned backwards for newest first.

CREATE INDEX shipments_dispatched ON logistics.shipments (dispatched_at, waybill);
CREATE INDEX shipments_consignee_phone ON logistics.shipments (consignee_phone, dispatched_at, waybill);
CREATE INDEX shipments_shipper_phone ON logistics.shipments (shipper_phone, dispatched_at, waybill);
CREATE INDEX shipments_origin ON logistics.shipments (origin_branch, dispatched_at, waybill);
CREATE INDEX shipments_destination ON logistics.shipments (destination_branch, dispatched_at, waybill);
CREATE INDEX shipments_transfer_1 ON logistics.shipments ((transfer_branches[1]), dispatched_at, waybill)
    WHERE transfers >= 1;
CREATE INDEX shipments_transfer_2 ON logistics.shipments ((transfer_branches[2]), dispatched_at, waybill)
    WHERE transfers = 2;
-- Shipments not yet signed for are few among the million: the desk's arriving, delayed and
-- awaiting-release lists read them alone (the query says `status <> 'signed'` literally).
CREATE INDEX shipments_unsigned ON logistics.shipments (dispatched_at, waybill)
    WHERE status <> 'signed';
CREATE INDEX shipments_unsigned_destination ON logistics.shipments (destination_branch, dispatched_at, waybill)
    WHERE status <> 'signed';
CREATE INDEX shipments_unsigned_origin ON logistics.shipments (origin_branch, dispatched_at, waybill)
    WHERE status <> 'signed';

-- Receipts not yet back, soonest due first.
CREATE INDEX receipts_open_due ON logistics.receipts (due_on, waybill) WHERE received_at IS NULL;
CREATE INDEX receipts_open_origin ON logistics.receipts (origin_branch, due_on, waybill)
    WHERE received_at IS NULL;
