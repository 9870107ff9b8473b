DROP INDEX round_results_unit_idx;
DROP INDEX round_results_final_idx;
ALTER TABLE round_results DROP COLUMN final_rank;
ALTER TABLE rounds DROP COLUMN actual;
ALTER TABLE rounds DROP COLUMN finalized_at;
