-- Passwords: what a DBA and an app see. Cost settings under OWASP's minimum warn; bad
-- passwords and hashes are refused with 22023 and a message that echoes neither.
\pset footer off
BEGIN;

-- A cost under OWASP's minimum (19 MiB, t=2) is taken, with a WARNING.
SET auth.pwhash_memlimit = '16MB';
SET auth.pwhash_opslimit = 1;
SET auth.pwhash_memlimit = '19MB';
SET auth.pwhash_opslimit = 2;
RESET auth.pwhash_memlimit;
RESET auth.pwhash_opslimit;

-- Lengths in characters, after NFKC; the limit and one past it.
SET LOCAL auth.password_max_length = 12;
SELECT regress_try($$SELECT auth_create_user('max@example.com', 'twelve chars')$$) IS NOT NULL AS exactly_max;
SELECT regress_try($$SELECT auth_create_user('max1@example.com', 'thirteen char')$$) AS one_more;
-- (One accent repeated is refused by the dictionary check, which this is not about.)
SET LOCAL auth.password_check = none;
SELECT regress_try($$SELECT auth_create_user('nfd@example.com', E'e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301')$$) ~ '^\d+$'
    AS twelve_decomposed_accents;
RESET auth.password_check;
RESET auth.password_max_length;
SELECT regress_try($$SELECT auth_create_user('empty@example.com', '')$$) AS empty_password,
       regress_try($$SELECT auth_create_user('null@example.com', NULL)$$) AS null_password,
       regress_try($$SELECT auth_create_user('mb@example.com', repeat('x', 1000000))$$) AS one_megabyte;

-- One password typed two ways: "ñ" composed (U+00F1) and decomposed (n + U+0303).
SELECT auth_create_user('nino@example.com', E'ni\u00f1o-secreto') AS nino \gset
SELECT auth_verify_password('nino@example.com', E'ni\u00f1o-secreto') = :nino AS composed,
       auth_verify_password('nino@example.com', E'nin\u0303o-secreto') = :nino AS decomposed,
       auth_login('nino@example.com', E'nin\u0303o-secreto') IS NOT NULL AS login_decomposed,
       auth_verify_password('nino@example.com', 'nino-secreto') IS NULL AS without_tilde;

-- Hashes from other systems: malformed and unknown ones are refused without echo.
SELECT regress_try($$SELECT auth_import_user('i1@example.com', '$argon2id$v=19$m=65536,t=2,p=1$bm90IGEgaGFzaA')$$) AS argon2id_without_digest;
SELECT regress_try($$SELECT auth_import_user('i2@example.com', '$2b$32$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y')$$) AS bcrypt_cost_32;
SELECT regress_try($$SELECT auth_import_user('i3@example.com', '{SSHA}c2VjcmV0')$$) AS ldap_ssha;
-- A bcrypt hash made by htpasswd -nbB for "Tr0ub4dor&3": imported, then rehashed at login.
SELECT auth_import_user('i4@example.com', '$2y$05$RCkZ3PPQ2Kjydv9Cph4aB.78a5A8.JDp8ELfiux.VGxvH0V4Sw2Zu') AS imported \gset
SELECT substr(password_hash, 1, 7) AS stored_prefix, password_imported FROM auth.users WHERE id = :imported;
SELECT auth_login('i4@example.com', 'Tr0ub4dor&3') IS NOT NULL AS logged_in;
SELECT substr(password_hash, 1, 31) AS stored_prefix, password_imported FROM auth.users WHERE id = :imported;
SELECT event, detail FROM auth.audit_log WHERE user_id = :imported ORDER BY id;

-- Tokens: single use, purpose-bound.
-- The tokens go to the outbox, never to the caller; a mailer claims them.
SELECT auth_request_password_reset('nino@example.com');
SELECT auth_request_email_verification(:nino);
SELECT kind, email, product_id,
       convert_from(auth.unseal(sealed_token, auth.outbox_context(id)), 'UTF8') ~ '^[A-Za-z0-9_-]{43}$' AS token_shape
FROM auth.outbox ORDER BY id;
SELECT token AS reset FROM auth_outbox_claim(1) \gset
SELECT token AS verify FROM auth_outbox_claim(1) \gset
SELECT count(*) AS tokens_left_in_outbox FROM auth.outbox WHERE sealed_token IS NOT NULL;
SELECT auth_verify_email(:'reset') AS reset_token_verifies_email,
       auth_reset_password(:'verify', 'otro-secreto') AS verify_token_resets_password,
       auth_reset_password(:'reset', 'otro-secreto') AS reset,
       auth_reset_password(:'reset', 'tercer-secreto') AS reset_again,
       auth_verify_email(:'verify') AS verified;
SELECT event, detail - 'expires_at' - 'token_id' AS detail FROM auth.audit_log WHERE user_id = :nino ORDER BY id;
ROLLBACK;
