-- Complaints about a shipment, counted on the station scorecard (监督考评联盟质量运营): intake's
-- complaint.opened naming a waybill, filed under the station the shipment was at or heading to
-- when the complaint opened (our reading). Nothing else of the complaint is kept here.
CREATE TABLE logistics.shipment_complaints (
    complaint_id  text PRIMARY KEY,
    waybill       text NOT NULL REFERENCES logistics.shipments (waybill),
    station       text NOT NULL,
    region        text NOT NULL,
    opened_at     timestamptz NOT NULL
);
CREATE INDEX shipment_complaints_opened ON logistics.shipment_complaints (opened_at);
