-- Who holds each receipt now and every handover (回单…出入清晰、可查; 对回单收发做好必要的登记,
-- 且做好交接手续), the business owner it is filed under (依据客户档案或业务归属人员进行分类), and
-- the envelopes destinations seal signed receipts in for their origin (回单规范要求 4), 5)).

ALTER TABLE logistics.receipts
    ADD COLUMN holder          text,
    ADD COLUMN holder_since    timestamptz,
    ADD COLUMN business_owner  text;

CREATE TABLE logistics.receipt_custody (
    id           bigserial PRIMARY KEY,
    waybill      text NOT NULL REFERENCES logistics.receipts (waybill),
    step         text NOT NULL,
    from_holder  text,
    to_holder    text NOT NULL,
    envelope_id  uuid,
    by           text NOT NULL,
    at           timestamptz NOT NULL
);
CREATE INDEX receipt_custody_waybill ON logistics.receipt_custody (waybill, at, id);

-- The custody register (not settled yet) by holder, and the handed-over-not-settled list.
CREATE INDEX receipts_holder ON logistics.receipts (holder, holder_since, waybill)
    WHERE state <> 'settled';
CREATE INDEX receipts_unsettled ON logistics.receipts (holder_since, waybill)
    WHERE state = 'handed_over';

CREATE TABLE logistics.receipt_envelopes (
    envelope_id  uuid PRIMARY KEY,
    from_branch  text NOT NULL,
    to_branch    text NOT NULL,
    waybills     text[] NOT NULL,
    sealed_by    text NOT NULL,
    sealed_at    timestamptz NOT NULL,
    checked_by   text,
    checked_at   timestamptz,
    missing      text[] NOT NULL DEFAULT '{}',
    unexpected   text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX receipt_envelopes_to ON logistics.receipt_envelopes (to_branch, sealed_at);
