-- Live tallies for weighted and quadratic proposals, kept by the votes trigger in the statement that writes the
-- votes, like the other additive types (0001, 0003, 0012); until now a background recount produced them.
-- Snapshot's formulas (snapshot.js WeightedVoting, QuadraticVoting), with share_i = w_i / Σ w over the ballot's keys:
--   weighted:  sum_i = Σ_ballots power × share_i       score_i = valid × sum_i  / Σ_j sum_j
--   quadratic: sum_i = Σ_ballots √(share_i × power)    score_i = valid × sum_i² / Σ_j sum_j²
-- where valid = Σ power of the valid ballots (Snapshot rescales to it so that quorum keeps its meaning); per strategy
-- the same with that strategy's power, rescaled over all choice × strategy cells; 0 where Snapshot divides 0 by 0.
-- Invalid ballots count in scores_total only. The sums are stored (running_sums, running_sums_by_strategy,
-- running_valid) and the published columns derived from them. Terms are rounded to 40 decimals and numeric sums are
-- exact: a ballot always yields the same terms, so subtracting a replaced ballot removes exactly what it added.
-- (Shares and roots are computed to at least 40 decimals: × 1.0…0 with 40 zeros raises an operand's scale to 40.)

-- The choice (1..p_choices) that JavaScript's Number(p_key) names, else 0: Snapshot accepts a weight-map key when
-- `choices[Number(key) - 1]` exists, so " 2", "02", "2.0", "0x2" and "2e0" are valid keys (that no choice reads).
CREATE OR REPLACE FUNCTION conclave_js_choice_index(p_key text, p_choices int) RETURNS int
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  s text;
  digits text;
  base int;
  value bigint := 0;
  d int;
  k int;
  x float8;
BEGIN
  IF p_key ~ '^[1-9][0-9]{0,8}$' THEN
    value := p_key::int;
    RETURN CASE WHEN value <= p_choices THEN value ELSE 0 END;
  END IF;
  -- StringToNumber: strip WhiteSpace and LineTerminator (ECMAScript's sets, not PostgreSQL's \s).
  s := regexp_replace(p_key,
    '^[\t\n\u000b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+|[\t\n\u000b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+$',
    '', 'g');
  IF s ~* '^0x[0-9a-f]+$' THEN
    base := 16;
  ELSIF s ~* '^0o[0-7]+$' THEN
    base := 8;
  ELSIF s ~* '^0b[01]+$' THEN
    base := 2;
  ELSIF s ~ '^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$' THEN
    -- A decimal literal, rounded to the nearest double as JavaScript does (float8 input rounds correctly);
    -- out of double range it is 0 or ±Infinity there, neither of which names a choice.
    BEGIN
      x := s::float8;
    EXCEPTION WHEN numeric_value_out_of_range THEN
      RETURN 0;
    END;
    RETURN CASE WHEN x >= 1 AND x <= p_choices AND x = trunc(x) THEN x::int ELSE 0 END;
  ELSE
    RETURN 0; -- NaN (this includes "Infinity"); the empty string is 0
  END IF;
  digits := substr(s, 3);
  FOR k IN 1..length(digits) LOOP
    d := position(lower(substr(digits, k, 1)) IN '0123456789abcdef') - 1;
    value := value * base + d;
    IF value > p_choices THEN
      RETURN 0;
    END IF;
  END LOOP;
  RETURN CASE WHEN value >= 1 THEN value ELSE 0 END;
END $$;
--> statement-breakpoint
-- Adds (p_sign 1) or removes (-1) one weighted or quadratic ballot's terms; a ballot Snapshot would not count
-- (not an object, no keys, a key naming no choice, a weight that is not a number ≥ 0, no weight > 0) adds nothing.
CREATE OR REPLACE FUNCTION conclave_weight_map_apply(
  p_type text, p_choices int, p_choice jsonb, p_vp numeric, p_vbs jsonb, p_sign int,
  INOUT sums numeric[], INOUT sums_by_strategy numeric[], INOUT valid numeric
) LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  ns int := coalesce(jsonb_array_length(p_vbs), 0);
  e record;
  w numeric;
  whole numeric := 0;
  positive boolean := false;
  picked int[] := '{}';
  weights numeric[] := '{}';
  share numeric;
  root numeric;
  k int;
  c int;
  s int;
  powers numeric[];
  vp_root numeric;
BEGIN
  IF jsonb_typeof(p_choice) IS DISTINCT FROM 'object' THEN
    RETURN;
  END IF;
  -- One pass over the keys: Snapshot's validity, Σ weights, and the weights `choice[i + 1]` reads, i.e. those under the
  -- canonical keys "1".."n" (other valid keys, " 2" or "02", weigh in Σ but no choice reads them).
  FOR e IN SELECT key, value FROM jsonb_each(p_choice) LOOP
    IF jsonb_typeof(e.value) <> 'number' THEN
      RETURN;
    END IF;
    w := e.value::numeric;
    IF w < 0 THEN
      RETURN;
    END IF;
    IF e.key ~ '^[1-9][0-9]{0,8}$' THEN
      c := e.key::int;
      IF c > p_choices THEN
        RETURN;
      END IF;
      IF w > 0 THEN
        picked := picked || c;
        weights := weights || w;
      END IF;
    ELSIF conclave_js_choice_index(e.key, p_choices) = 0 THEN
      RETURN;
    END IF;
    positive := positive OR w > 0;
    whole := whole + w;
  END LOOP;
  IF NOT positive THEN
    RETURN; -- also the empty object
  END IF;
  valid := valid + p_sign * p_vp;
  -- Σ weights beyond the largest double is Infinity in JavaScript: every share is then 0.
  IF whole >= 179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792
     OR cardinality(picked) = 0 THEN
    RETURN;
  END IF;
  powers := array_fill(0::numeric, ARRAY[ns]);
  FOR s IN 1..ns LOOP
    powers[s] := (p_vbs ->> (s - 1))::numeric;
  END LOOP;
  IF p_type = 'quadratic' THEN
    IF p_vp < 0 THEN
      RAISE EXCEPTION 'quadratic ballot with negative voting power' USING ERRCODE = 'data_exception';
    END IF;
    -- √(share × power) = √share × √power: one root per key and one per power, not one per term.
    vp_root := sqrt(p_vp * 1.0000000000000000000000000000000000000000);
    FOR s IN 1..ns LOOP
      IF powers[s] < 0 THEN
        RAISE EXCEPTION 'quadratic ballot with negative voting power' USING ERRCODE = 'data_exception';
      END IF;
      powers[s] := sqrt(powers[s] * 1.0000000000000000000000000000000000000000);
    END LOOP;
  END IF;
  FOR k IN 1..cardinality(picked) LOOP
    c := picked[k];
    share := weights[k] * 1.0000000000000000000000000000000000000000 / whole;
    IF p_type = 'quadratic' THEN
      root := sqrt(share);
      sums[c] := sums[c] + p_sign * round(root * vp_root, 40);
      FOR s IN 1..ns LOOP
        sums_by_strategy[c][s] := sums_by_strategy[c][s] + p_sign * round(root * powers[s], 40);
      END LOOP;
    ELSE
      sums[c] := sums[c] + p_sign * round(share * p_vp, 40);
      FOR s IN 1..ns LOOP
        sums_by_strategy[c][s] := sums_by_strategy[c][s] + p_sign * round(share * powers[s], 40);
      END LOOP;
    END IF;
  END LOOP;
END $$;
--> statement-breakpoint
-- The published tally of a weighted or quadratic proposal from its running sums (see the header).
CREATE OR REPLACE FUNCTION conclave_weight_map_scores(
  p_type text, p_sums numeric[], p_sums_by_strategy numeric[], p_valid numeric,
  OUT scores numeric[], OUT scores_by_strategy numeric[]
) LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  n int := coalesce(array_length(p_sums, 1), 0);
  ns int := coalesce(array_length(p_sums_by_strategy, 2), 0);
  parts numeric[] := p_sums;
  cells numeric[] := p_sums_by_strategy;
  whole numeric := 0;
  c int;
  s int;
BEGIN
  IF p_type = 'quadratic' THEN
    FOR c IN 1..n LOOP
      parts[c] := parts[c] * parts[c];
      FOR s IN 1..ns LOOP
        cells[c][s] := cells[c][s] * cells[c][s];
      END LOOP;
    END LOOP;
  END IF;
  scores := array_fill(0::numeric, ARRAY[n]);
  FOR c IN 1..n LOOP
    whole := whole + parts[c];
  END LOOP;
  IF whole <> 0 THEN
    FOR c IN 1..n LOOP
      scores[c] := round(p_valid * parts[c] / whole, 30);
    END LOOP;
  END IF;
  scores_by_strategy := array_fill(0::numeric, ARRAY[n, ns]);
  whole := 0;
  FOR c IN 1..n LOOP
    FOR s IN 1..ns LOOP
      whole := whole + cells[c][s];
    END LOOP;
  END LOOP;
  IF whole <> 0 THEN
    FOR c IN 1..n LOOP
      FOR s IN 1..ns LOOP
        scores_by_strategy[c][s] := round(p_valid * cells[c][s] / whole, 30);
      END LOOP;
    END LOOP;
  END IF;
END $$;
--> statement-breakpoint
-- The statement triggers of 0012, now also keeping the weighted and quadratic running sums.
CREATE OR REPLACE FUNCTION conclave_tally_vote_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ballots refcursor;
  b record;
  p record;
  current text;
  more boolean;
  found_row boolean := false;
  weight_map boolean := false;
  sc numeric[];
  sbs numeric[];
  rs numeric[];
  rsbs numeric[];
  valid numeric;
  total numeric;
  added int;
  ns int;
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
      IF found_row AND weight_map THEN
        SELECT r.scores, r.scores_by_strategy INTO sc, sbs FROM conclave_weight_map_scores(p.type, rs, rsbs, valid) r;
        UPDATE proposals
           SET scores = sc, scores_by_strategy = sbs, scores_total = total, votes = votes + added,
               running_sums = rs, running_sums_by_strategy = rsbs, running_valid = valid
         WHERE id = current;
      ELSIF found_row THEN
        UPDATE proposals
           SET scores = sc, scores_by_strategy = sbs, scores_total = total, votes = votes + added
         WHERE id = current;
      END IF;
      EXIT WHEN NOT more;
      current := b.proposal;
      SELECT type, scores, scores_by_strategy, scores_total, running_sums, running_sums_by_strategy, running_valid,
             jsonb_array_length(choices) AS n
        INTO p
        FROM proposals WHERE id = current FOR UPDATE;
      found_row := FOUND;
      weight_map := found_row AND p.type IN ('weighted', 'quadratic');
      sc := p.scores;
      sbs := p.scores_by_strategy;
      total := p.scores_total;
      added := 0;
      IF weight_map THEN
        rs := p.running_sums;
        rsbs := p.running_sums_by_strategy;
        valid := p.running_valid;
        -- Sized on the first ballot (choices and strategies no longer change once voting starts).
        ns := coalesce(array_length(p.scores_by_strategy, 2), 0);
        IF cardinality(rs) <> p.n OR cardinality(rsbs) <> p.n * ns THEN
          rs := array_fill(0::numeric, ARRAY[p.n]);
          rsbs := array_fill(0::numeric, ARRAY[p.n, ns]);
          valid := 0;
        END IF;
      END IF;
    END IF;
    CONTINUE WHEN NOT found_row;
    IF b.sign = -1 THEN
      total := total - b.vp;
    ELSE
      -- sign 1: a new voter's ballot; sign 0: the ballot replacing one (counted once already).
      total := total + b.vp;
      added := added + b.sign;
    END IF;
    IF weight_map THEN
      SELECT r.sums, r.sums_by_strategy, r.valid INTO rs, rsbs, valid
        FROM conclave_weight_map_apply(p.type, p.n, b.choice, b.vp, b.vp_by_strategy, CASE WHEN b.sign = -1 THEN -1 ELSE 1 END,
                                       rs, rsbs, valid) r;
    ELSE
      SELECT r.sc, r.sbs INTO sc, sbs
        FROM conclave_ballot_apply(p.type, p.n, b.choice, b.vp, b.vp_by_strategy, CASE WHEN b.sign = -1 THEN -1 ELSE 1 END,
                                   sc, sbs) r;
    END IF;
  END LOOP;
  CLOSE ballots;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Recomputes a weighted or quadratic proposal's running sums and scores from its current ballots (the state the
-- trigger keeps, to the digit); used below for the proposals opened before this migration.
CREATE OR REPLACE FUNCTION conclave_recount_weight_map(p_proposal text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  p record;
  b record;
  rs numeric[];
  rsbs numeric[];
  valid numeric := 0;
  sc numeric[];
  sbs numeric[];
  ns int;
BEGIN
  SELECT type, jsonb_array_length(choices) AS n, scores_by_strategy INTO p FROM proposals WHERE id = p_proposal FOR UPDATE;
  IF NOT FOUND OR p.type NOT IN ('weighted', 'quadratic') THEN
    RETURN;
  END IF;
  ns := coalesce(array_length(p.scores_by_strategy, 2), 0);
  rs := array_fill(0::numeric, ARRAY[p.n]);
  rsbs := array_fill(0::numeric, ARRAY[p.n, ns]);
  FOR b IN SELECT choice, vp, vp_by_strategy FROM votes WHERE proposal = p_proposal LOOP
    SELECT r.sums, r.sums_by_strategy, r.valid INTO rs, rsbs, valid
      FROM conclave_weight_map_apply(p.type, p.n, b.choice, b.vp, b.vp_by_strategy, 1, rs, rsbs, valid) r;
  END LOOP;
  SELECT r.scores, r.scores_by_strategy INTO sc, sbs FROM conclave_weight_map_scores(p.type, rs, rsbs, valid) r;
  UPDATE proposals
     SET running_sums = rs, running_sums_by_strategy = rsbs, running_valid = valid, scores = sc, scores_by_strategy = sbs
   WHERE id = p_proposal;
END $$;
--> statement-breakpoint
-- Open weighted and quadratic proposals: running sums from the ballots already cast, and scores derived from them.
SELECT conclave_recount_weight_map(id) FROM proposals WHERE type IN ('weighted', 'quadratic') AND scores_state <> 'final';
