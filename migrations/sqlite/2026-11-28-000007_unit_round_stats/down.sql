DROP INDEX round_results_final_idx;
CREATE INDEX round_results_final_idx ON round_results(round_id, final_rank);
DROP INDEX round_results_rank_idx;
CREATE INDEX round_results_rank_idx ON round_results(round_id, score DESC, duration_ms ASC, finished_at ASC);
DROP TABLE unit_round_stats;
