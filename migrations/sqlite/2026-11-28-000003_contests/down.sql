DROP TABLE round_results;
DROP TABLE answers;
DROP TABLE attempts;
DROP TABLE participants;
DROP TABLE rounds;
DROP TABLE contests;
