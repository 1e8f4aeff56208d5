-- 核对票据预留电话: a release to a name other than the waybill's may rest on the phone reserved
-- on the waybill; the record says whether that number was given and matched (never the number:
-- it is the waybill's own).
ALTER TABLE logistics.releases ADD COLUMN reserved_phone_checked boolean NOT NULL DEFAULT false;
