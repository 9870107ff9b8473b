DROP TABLE unit_round_stats;
