-- Shippers as customers (客服的工作内容 6), 8), 12)): the shipper's file (客户资料更新,建档), its
-- long-term rates (长期合作的运价), the monthly return visits with the satisfaction given
-- (每月定期回访…收集客户满意度), and data requests a superior approves (经上级同意,提供相关数据).

ALTER TABLE logistics.shippers
    ADD COLUMN contact_person   text,
    ADD COLUMN address          text,
    ADD COLUMN notes            text,
    ADD COLUMN file_updated_by  text,
    ADD COLUMN file_updated_at  timestamptz;
CREATE INDEX shippers_key ON logistics.shippers (shipper_id) WHERE key_customer;
CREATE INDEX shippers_created ON logistics.shippers (created_at);

CREATE TABLE logistics.shipper_rates (
    rate_id         uuid PRIMARY KEY,
    shipper_id      text NOT NULL REFERENCES logistics.shippers (shipper_id) ON UPDATE CASCADE,
    origin          text NOT NULL,
    destination     text NOT NULL,
    unit            text NOT NULL,
    price_fen       bigint NOT NULL,
    min_charge_fen  bigint NOT NULL DEFAULT 0,
    valid_from      date NOT NULL,
    valid_to        date,
    by              text NOT NULL,
    at              timestamptz NOT NULL
);
CREATE INDEX shipper_rates_shipper ON logistics.shipper_rates (shipper_id, valid_from);

CREATE TABLE logistics.shipper_visits (
    visit_id      uuid PRIMARY KEY,
    shipper_id    text NOT NULL REFERENCES logistics.shippers (shipper_id) ON UPDATE CASCADE,
    month         text NOT NULL,
    kind          text NOT NULL,
    reached       boolean NOT NULL,
    satisfaction  int CHECK (satisfaction BETWEEN 1 AND 5),
    feedback      text NOT NULL DEFAULT '',
    by            text NOT NULL,
    at            timestamptz NOT NULL
);
CREATE INDEX shipper_visits_month ON logistics.shipper_visits (month, at);

CREATE TABLE logistics.data_requests (
    request_id     uuid PRIMARY KEY,
    department     text NOT NULL,
    scope          text NOT NULL,
    purpose        text NOT NULL,
    requested_by   text NOT NULL,
    requested_at   timestamptz NOT NULL,
    status         text NOT NULL,
    decided_by     text,
    decided_at     timestamptz,
    decision_note  text NOT NULL DEFAULT '',
    provided_by    text,
    provided_at    timestamptz
);
CREATE INDEX data_requests_status ON logistics.data_requests (status, requested_at);
