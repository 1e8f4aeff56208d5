-- The register of abnormal receipts (异常回单): every check that found a receipt short of the
-- shipper's requirements, what it lacked, and when it was signed again (resolved). The monthly
-- report charges 100 yuan for one the destination missed or nobody handled in time.

CREATE TABLE logistics.receipt_abnormalities (
    abnormality_id  uuid PRIMARY KEY,
    waybill         text NOT NULL REFERENCES logistics.receipts (waybill),
    region          text NOT NULL,
    step            text NOT NULL,
    defects         jsonb NOT NULL,
    found_by        text NOT NULL,
    found_at        timestamptz NOT NULL,
    resolved_at     timestamptz
);
CREATE INDEX receipt_abnormalities_found ON logistics.receipt_abnormalities (found_at, abnormality_id);
CREATE INDEX receipt_abnormalities_open ON logistics.receipt_abnormalities (waybill)
    WHERE resolved_at IS NULL;
