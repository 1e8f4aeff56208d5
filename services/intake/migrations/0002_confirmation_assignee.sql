-- Who makes a complaint's confirmation call by name: the person who received it when they work
-- at that desk (customer service, reception); NULL: the desk's team (a branch system, a
-- department head or a manager registered it). Older complaints keep NULL: their calls go to
-- the team, which may always record them.
ALTER TABLE intake.complaints ADD COLUMN confirmation_assignee text;
