-- The warranty card's `warranty_ends_on` is its last day of cover (docs/DOMAIN.md §2.1 step 13):
-- quarterly warranty calls now run through that day. Schedules made before stopped at its
-- start; move their stop to its end (Asia/Shanghai keeps no summer time: a day is 24 hours).
UPDATE notifications.schedules
   SET stops_at = stops_at + interval '1 day',
       stops_when = 'after warranty_ends_on, the card''s last day of cover'
 WHERE purpose = 'warranty_quarterly' AND stops_at IS NOT NULL;
