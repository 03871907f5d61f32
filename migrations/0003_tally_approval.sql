-- Approval ballots join the live tally: every approved choice gets the voter's full power.
-- Ballots are validated at ingest (distinct, in range), so each listed choice counts once.
CREATE OR REPLACE FUNCTION conclave_ballot_apply(
  p_type text, p_choices int, p_choice jsonb, p_vp numeric, p_vbs jsonb, p_sign int,
  INOUT sc numeric[], INOUT sbs numeric[]
) LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  c int;
  s int;
  picked int[];
  ns int := coalesce(jsonb_array_length(p_vbs), 0);
BEGIN
  IF p_type IN ('single-choice', 'basic') AND jsonb_typeof(p_choice) = 'number' THEN
    picked := ARRAY[(p_choice #>> '{}')::numeric::int];
    IF (p_choice #>> '{}')::numeric <> picked[1] THEN
      picked := ARRAY[]::int[];
    END IF;
  ELSIF p_type = 'approval' AND jsonb_typeof(p_choice) = 'array' THEN
    SELECT coalesce(array_agg(DISTINCT (x #>> '{}')::numeric::int), ARRAY[]::int[]) INTO picked
      FROM jsonb_array_elements(p_choice) x WHERE jsonb_typeof(x) = 'number';
  ELSE
    RETURN;
  END IF;
  FOREACH c IN ARRAY picked LOOP
    IF c >= 1 AND c <= p_choices THEN
      sc[c] := sc[c] + p_sign * p_vp;
      FOR s IN 1..ns LOOP
        sbs[c][s] := sbs[c][s] + p_sign * (p_vbs ->> (s - 1))::numeric;
      END LOOP;
    END IF;
  END LOOP;
END $$;
