-- Each repair photo's phase (相片存档: 现场勘查 survey, 维修过程 during, 维修结束 after): the
-- repair is completed only once its end is photographed. Photos kept before phases existed
-- have none.
ALTER TABLE aftersales.repair_photos ADD COLUMN phase text;
CREATE INDEX repair_photos_by_phase ON aftersales.repair_photos (repair_id, phase);
