-- Live tallies per statement instead of per row. The row trigger rewrote the wide proposals row once per
-- vote, and every rewrite in one transaction lengthens that row's version chain, which the next vote's
-- lookup walks: a batch of n votes cost O(n^2). These triggers read the statement's transition tables
-- (the replaced ballots and the new ones), add them up per proposal and write each proposal row once.
-- The per-ballot arithmetic is still conclave_ballot_apply (0001, 0003), so tallies are unchanged.
-- PostgreSQL allows transition tables only on single-event triggers, hence one trigger per event; an
-- INSERT ... ON CONFLICT DO UPDATE fires both, the inserted rows in one and the replaced ones in the other.
DROP TRIGGER IF EXISTS votes_tally ON votes;
--> statement-breakpoint
DROP FUNCTION IF EXISTS conclave_tally_votes();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION conclave_tally_vote_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ballots refcursor;
  b record;
  p record;
  current text;
  more boolean;
  found_row boolean := false;
  sc numeric[];
  sbs numeric[];
  total numeric;
  added int;
BEGIN
  -- Ballots by proposal, so each proposal row is locked and written once, in id order (no deadlocks).
  -- A replaced ballot (UPDATE) is subtracted from its own proposal; only inserted ballots add to `votes`.
  IF TG_OP = 'INSERT' THEN
    OPEN ballots FOR
      SELECT proposal, choice, vp, vp_by_strategy, 1 AS sign FROM conclave_new_votes ORDER BY proposal;
  ELSE
    OPEN ballots FOR
      SELECT proposal, choice, vp, vp_by_strategy, -1 AS sign FROM conclave_old_votes
      UNION ALL
      SELECT proposal, choice, vp, vp_by_strategy, 0 AS sign FROM conclave_new_votes
      ORDER BY proposal;
  END IF;
  LOOP
    FETCH ballots INTO b;
    more := FOUND;
    IF NOT more OR b.proposal IS DISTINCT FROM current THEN
      IF found_row THEN
        UPDATE proposals
           SET scores = sc, scores_by_strategy = sbs, scores_total = total, votes = votes + added
         WHERE id = current;
      END IF;
      EXIT WHEN NOT more;
      current := b.proposal;
      SELECT type, scores, scores_by_strategy, scores_total, jsonb_array_length(choices) AS n INTO p
        FROM proposals WHERE id = current FOR UPDATE;
      found_row := FOUND;
      sc := p.scores;
      sbs := p.scores_by_strategy;
      total := p.scores_total;
      added := 0;
    END IF;
    CONTINUE WHEN NOT found_row;
    IF b.sign = -1 THEN
      total := total - b.vp;
      SELECT r.sc, r.sbs INTO sc, sbs
        FROM conclave_ballot_apply(p.type, p.n, b.choice, b.vp, b.vp_by_strategy, -1, sc, sbs) r;
    ELSE
      -- sign 1: a new voter's ballot; sign 0: the ballot replacing one (counted once already).
      total := total + b.vp;
      added := added + b.sign;
      SELECT r.sc, r.sbs INTO sc, sbs
        FROM conclave_ballot_apply(p.type, p.n, b.choice, b.vp, b.vp_by_strategy, 1, sc, sbs) r;
    END IF;
  END LOOP;
  CLOSE ballots;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER votes_tally_insert AFTER INSERT ON votes
  REFERENCING NEW TABLE AS conclave_new_votes
  FOR EACH STATEMENT EXECUTE FUNCTION conclave_tally_vote_statement();
--> statement-breakpoint
CREATE TRIGGER votes_tally_update AFTER UPDATE ON votes
  REFERENCING OLD TABLE AS conclave_old_votes NEW TABLE AS conclave_new_votes
  FOR EACH STATEMENT EXECUTE FUNCTION conclave_tally_vote_statement();
