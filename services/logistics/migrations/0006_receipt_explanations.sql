-- The region's explanation of a late receipt (下发区域公司做回单未返情况说明): its cause decides
-- whether the region's receipt owner answers for it (50 yuan) in the monthly report.

CREATE TABLE logistics.receipt_explanations (
    waybill  text PRIMARY KEY REFERENCES logistics.receipts (waybill),
    cause    text NOT NULL,
    text     text NOT NULL,
    by       text NOT NULL,
    at       timestamptz NOT NULL
);
