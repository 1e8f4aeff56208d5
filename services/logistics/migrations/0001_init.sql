-- Logistics customer service (DOMAIN.md §4): shippers, shipments and their scans, the tracking
-- log, cargo exceptions and photos, truck checks, releases at delivery and receipts.
-- National ID numbers are never stored: releases keep a keyed HMAC and the last 4 characters.

CREATE TABLE logistics.shippers (
    shipper_id    text PRIMARY KEY,
    name          text NOT NULL,
    phone         text NOT NULL UNIQUE,
    key_customer  boolean NOT NULL DEFAULT false,
    version       int NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE logistics.shipments (
    waybill               text PRIMARY KEY,
    origin_branch         text NOT NULL,
    destination_branch    text NOT NULL,
    region                text NOT NULL,
    transfers             int NOT NULL CHECK (transfers BETWEEN 0 AND 2),
    transfer_branches     text[] NOT NULL DEFAULT '{}',
    batches               int NOT NULL DEFAULT 1 CHECK (batches >= 1),
    promised_arrival_at   timestamptz NOT NULL,
    dispatched_at         timestamptz NOT NULL,
    urgent                boolean NOT NULL DEFAULT false,
    shipper_id            text NOT NULL REFERENCES logistics.shippers (shipper_id),
    shipper_name          text NOT NULL,
    shipper_phone         text NOT NULL,
    consignee_name        text NOT NULL,
    consignee_phone       text NOT NULL,
    consignee_kind        text NOT NULL,
    receipt_required      boolean NOT NULL DEFAULT false,
    receipt_signature     boolean NOT NULL DEFAULT true,
    receipt_stamp         boolean NOT NULL DEFAULT false,
    receipt_id_number     boolean NOT NULL DEFAULT false,
    receipt_copies        int NOT NULL DEFAULT 1,
    status                text NOT NULL DEFAULT 'created',
    eta                   timestamptz,
    eta_station           text,
    arrived_batches       jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_arrival_at       timestamptz,
    departed_at           timestamptz,
    signed_at             timestamptz,
    last_station          text,
    last_scan_kind        text,
    last_scan_at          timestamptz,
    delay_reported_for    timestamptz,
    version               int NOT NULL DEFAULT 0,
    created_by            text NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipments_region ON logistics.shipments (region);

-- Every scan, applied or not; scan_id is the scanner's message id (or the HTTP request's).
CREATE TABLE logistics.scans (
    scan_id      text PRIMARY KEY,
    waybill      text NOT NULL REFERENCES logistics.shipments (waybill),
    branch       text,
    kind         text NOT NULL,
    station      text NOT NULL,
    batch        int,
    at           timestamptz NOT NULL,
    applied      boolean NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scans_waybill ON logistics.scans (waybill, at);

-- The tracking history besides scans: notes, confirmed ETAs, delay reports, releases, receipt
-- steps, loading alerts (one row per fact, newest last).
CREATE TABLE logistics.shipment_log (
    id        bigserial PRIMARY KEY,
    waybill   text NOT NULL REFERENCES logistics.shipments (waybill),
    type      text NOT NULL,
    at        timestamptz NOT NULL,
    by        text,
    detail    jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX shipment_log_waybill ON logistics.shipment_log (waybill, at);

CREATE TABLE logistics.receipts (
    waybill              text PRIMARY KEY REFERENCES logistics.shipments (waybill),
    region               text NOT NULL,
    origin_branch        text NOT NULL,
    transfers            int NOT NULL,
    state                text NOT NULL DEFAULT 'required',
    arrival_at           timestamptz,
    due_on               date,
    hard_limit_on        date,
    steps                jsonb NOT NULL DEFAULT '{}'::jsonb,
    received_at          timestamptz,
    redo_count           int NOT NULL DEFAULT 0,
    lost_at              timestamptz,
    loss_fen             bigint NOT NULL DEFAULT 0,
    overdue_reported_on  date,
    version              int NOT NULL DEFAULT 0
);
CREATE INDEX receipts_due ON logistics.receipts (region, due_on) WHERE received_at IS NULL;

CREATE TABLE logistics.photos (
    photo_id      text PRIMARY KEY,
    waybill       text NOT NULL REFERENCES logistics.shipments (waybill),
    sha256        text NOT NULL,
    size          int NOT NULL,
    content_type  text NOT NULL,
    by            text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE logistics.truck_checks (
    id          uuid PRIMARY KEY,
    station     text NOT NULL,
    truck       text NOT NULL,
    handover    jsonb NOT NULL,
    received    jsonb NOT NULL,
    findings    jsonb NOT NULL,
    by          text NOT NULL,
    at          timestamptz NOT NULL
);

-- Not a foreign key: a truck check may find a waybill nobody knows (itself a mismatch).
CREATE TABLE logistics.exceptions (
    exception_id    uuid PRIMARY KEY,
    waybill         text NOT NULL,
    kind            text NOT NULL,
    station         text NOT NULL,
    note            text NOT NULL,
    photo_ids       text[] NOT NULL DEFAULT '{}',
    at              timestamptz NOT NULL,
    by              text NOT NULL,
    truck_check_id  uuid REFERENCES logistics.truck_checks (id)
);
CREATE INDEX exceptions_waybill ON logistics.exceptions (waybill);
CREATE INDEX exceptions_at ON logistics.exceptions (at);

-- Who released the goods, to whom, on what evidence (the releasing staff answer for it).
CREATE TABLE logistics.releases (
    id                   uuid PRIMARY KEY,
    waybill              text NOT NULL REFERENCES logistics.shipments (waybill),
    allowed              boolean NOT NULL,
    released_by          text NOT NULL,
    presented_name       text NOT NULL,
    presented_id_hmac    text,
    presented_id_last4   text,
    delegate_name        text,
    delegate_id_hmac     text,
    delegate_id_last4    text,
    phone_confirmed      boolean NOT NULL,
    company_stamp        boolean NOT NULL,
    authorisation_letter boolean NOT NULL,
    change_proof_id      uuid,
    evidence             jsonb NOT NULL DEFAULT '[]'::jsonb,
    reasons              jsonb NOT NULL DEFAULT '[]'::jsonb,
    at                   timestamptz NOT NULL
);
CREATE INDEX releases_waybill ON logistics.releases (waybill);

CREATE TABLE logistics.consignee_changes (
    id          uuid PRIMARY KEY,
    waybill     text NOT NULL REFERENCES logistics.shipments (waybill),
    new_name    text NOT NULL,
    note        text NOT NULL DEFAULT '',
    by          text NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX consignee_changes_waybill ON logistics.consignee_changes (waybill);
