-- Per-unit figures of each round, kept up to date when attempts finish, so
-- a unit board reads one row per unit instead of every result.
CREATE TABLE unit_round_stats (
    round_id TEXT NOT NULL REFERENCES rounds(id),
    unit_id TEXT NOT NULL REFERENCES units(id),
    participants INTEGER NOT NULL DEFAULT 0,
    member_participants INTEGER NOT NULL DEFAULT 0,
    total_score BIGINT NOT NULL DEFAULT 0,
    perfect INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, unit_id)
);

INSERT INTO unit_round_stats (round_id, unit_id, participants, member_participants, total_score, perfect, attempts)
SELECT rr.round_id, rr.unit_id, COUNT(*),
       SUM(CASE WHEN p.category = 'doan_vien' THEN 1 ELSE 0 END),
       SUM(rr.score),
       SUM(CASE WHEN rr.max_score > 0 AND rr.score = rr.max_score THEN 1 ELSE 0 END),
       0
FROM round_results rr JOIN participants p ON p.id = rr.participant_id
WHERE rr.counted
GROUP BY rr.round_id, rr.unit_id;

UPDATE unit_round_stats SET attempts = (
    SELECT COUNT(*) FROM attempts a JOIN participants p ON p.id = a.participant_id
    WHERE a.round_id = unit_round_stats.round_id AND p.unit_id = unit_round_stats.unit_id
      AND a.practice = FALSE AND a.status <> 'open'
);

-- Board pages order by every tie-break key; with all of them in the index a
-- top-100 page reads 100 index entries instead of sorting the round.
DROP INDEX round_results_rank_idx;
CREATE INDEX round_results_rank_idx ON round_results(round_id, score DESC, duration_ms ASC, finished_at ASC, attempts_used ASC, participant_id ASC);
DROP INDEX round_results_final_idx;
CREATE INDEX round_results_final_idx ON round_results(round_id, final_rank, participant_id);
