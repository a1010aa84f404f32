-- Included (\ir) by first_hour.sql when an answer is not the one expected: raises, so that
-- psql, run with ON_ERROR_STOP, stops there with exit status 3.
DO $$ BEGIN RAISE EXCEPTION 'that answer is not the one expected'; END $$;
