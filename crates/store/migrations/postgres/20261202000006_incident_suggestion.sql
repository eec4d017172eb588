-- The category suggested from the narrative at intake (警情分类建议): its confidence and
-- the words that decided it, beside the initial and final category codes. NULL
-- confidence: the category was entered by hand (or nothing was suggested).

ALTER TABLE incidents ADD COLUMN suggested_confidence DOUBLE PRECISION;
ALTER TABLE incidents ADD COLUMN suggested_evidence TEXT;
