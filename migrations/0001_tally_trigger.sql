-- Live tallies for the additive voting types, kept exact in numeric by a trigger on votes.
-- The trigger sees the replaced ballot (OLD) and the new one (NEW) inside the same statement that
-- writes the vote, so a vote change subtracts exactly what it replaces, with no read-then-write race.
CREATE OR REPLACE FUNCTION conclave_ballot_apply(
  p_type text, p_choices int, p_choice jsonb, p_vp numeric, p_vbs jsonb, p_sign int,
  INOUT sc numeric[], INOUT sbs numeric[]
) LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  c int;
  s int;
  ns int := coalesce(jsonb_array_length(p_vbs), 0);
BEGIN
  IF p_type IN ('single-choice', 'basic') AND jsonb_typeof(p_choice) = 'number' THEN
    c := (p_choice #>> '{}')::numeric::int;
    IF c >= 1 AND c <= p_choices AND (p_choice #>> '{}')::numeric = c THEN
      sc[c] := sc[c] + p_sign * p_vp;
      FOR s IN 1..ns LOOP
        sbs[c][s] := sbs[c][s] + p_sign * (p_vbs ->> (s - 1))::numeric;
      END LOOP;
    END IF;
  END IF;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION conclave_tally_votes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p record;
  sc numeric[];
  sbs numeric[];
  total numeric;
  added int := 1;
BEGIN
  SELECT type, scores, scores_by_strategy, scores_total, jsonb_array_length(choices) AS n INTO p
    FROM proposals WHERE id = NEW.proposal FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  sc := p.scores;
  sbs := p.scores_by_strategy;
  total := p.scores_total + NEW.vp;
  IF TG_OP = 'UPDATE' THEN
    added := 0;
    total := total - OLD.vp;
    SELECT r.sc, r.sbs INTO sc, sbs
      FROM conclave_ballot_apply(p.type, p.n, OLD.choice, OLD.vp, OLD.vp_by_strategy, -1, sc, sbs) r;
  END IF;
  SELECT r.sc, r.sbs INTO sc, sbs
    FROM conclave_ballot_apply(p.type, p.n, NEW.choice, NEW.vp, NEW.vp_by_strategy, 1, sc, sbs) r;
  UPDATE proposals
     SET scores = sc, scores_by_strategy = sbs, scores_total = total, votes = votes + added
   WHERE id = NEW.proposal;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER votes_tally AFTER INSERT OR UPDATE ON votes
  FOR EACH ROW EXECUTE FUNCTION conclave_tally_votes();
