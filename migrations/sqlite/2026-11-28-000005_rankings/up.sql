-- The frozen final order of a round: the actual value predictions are
-- measured against, and each person's final rank.
ALTER TABLE rounds ADD COLUMN finalized_at TIMESTAMP;
ALTER TABLE rounds ADD COLUMN actual BIGINT;
ALTER TABLE round_results ADD COLUMN final_rank BIGINT;
CREATE INDEX round_results_final_idx ON round_results(round_id, final_rank);
CREATE INDEX round_results_unit_idx ON round_results(round_id, unit_id);
