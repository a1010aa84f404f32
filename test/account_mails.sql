-- Account life through the outbox (docs/account-mails.md): invitations, email change,
-- security notices. Who may invite and accept, what is mailed to which address, single
-- use, expiry, replacement, and that each notice is queued exactly once per event.
BEGIN;
SELECT plan(53);

\ir helpers.psql

CREATE ROLE tap_am_payroll_app NOLOGIN IN ROLE auth_client;
CREATE ROLE tap_am_accounting_app NOLOGIN IN ROLE auth_client;
CREATE ROLE tap_am_payroll_admins NOLOGIN;
CREATE ROLE tap_am_payroll_admin NOLOGIN IN ROLE tap_am_payroll_admins, auth_client;
CREATE ROLE tap_am_signin NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_am_operator NOLOGIN IN ROLE auth_admin;
SELECT auth_create_product('AM Payroll', NULL, 'tap_am_payroll_admins') AS payroll \gset
SELECT auth_create_product('AM Accounting') AS accounting \gset
SELECT auth_set_app_role('AM Payroll', 'tap_am_payroll_app') \g /dev/null
SELECT auth_set_app_role('AM Accounting', 'tap_am_accounting_app') \g /dev/null
SELECT auth_create_role('AM Payroll', 'clerk') \g /dev/null
SELECT auth_create_tenant('AM Acme') \g /dev/null
-- Bob has an Accounting account; Carol none yet.
SELECT auth_create_user('am.bob@example.com', 'Amber orbit 71 slot', 'Bob Tapp', NULL, 'AM Accounting') AS bob \gset
SELECT auth_create_user('am.eve@example.com', 'Cobalt river 22 lamp', 'Eve Tapp', NULL, 'AM Payroll') AS eve \gset

CREATE FUNCTION pg_temp.mails(p_kind text, p_user bigint) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM auth.outbox o WHERE o.kind = p_kind AND o.user_id = p_user
$$;

-- ---------------------------------------------------------------------------------
-- Invitations: who may invite.
SET ROLE tap_am_payroll_app;
SELECT throws_ok($$SELECT auth_invite('AM Payroll', 'am.bob@example.com')$$, '42501', NULL,
                 'a product''s app is not its admin: it may not invite (42501)');
RESET ROLE;
SET ROLE tap_am_payroll_admin;
SELECT throws_ok($$SELECT auth_invite('AM Accounting', 'am.bob@example.com')$$, '42501', NULL,
                 'a product admin may not invite into another product (42501)');
SELECT lives_ok($$SELECT auth_invite('AM Payroll', 'AM.Bob@Example.com', 'clerk', 'AM Acme')$$,
                'Payroll''s admin invites Bob, who has an account elsewhere, as clerk in Acme');
SELECT throws_ok($$SELECT auth_invite('AM Payroll', 'not an address')$$, '22023', NULL, 'a malformed address: 22023');
SELECT throws_ok($$SELECT auth_invite('AM Payroll', NULL)$$, '22004', NULL, 'a NULL address: 22004');
SELECT throws_ok($$SELECT auth_invite('AM Payroll', '')$$, '22023', NULL, 'an empty address: 22023');
SELECT throws_ok($$SELECT auth_invite(NULL, 'am.bob@example.com')$$, '22004', NULL, 'a NULL product: 22004');
SELECT throws_ok($$SELECT auth_invite('AM Payroll', 'am.bob@example.com', 'no such role')$$, '42704', NULL,
                 'an unknown role: 42704');
SELECT lives_ok($$SELECT auth_invite('AM Payroll', 'am.carol@example.com')$$, 'an address with no account is invited too');
RESET ROLE;
SELECT is((SELECT (user_id, email, product_id)::text FROM auth.outbox WHERE kind = 'invitation' AND user_id = :bob),
          (:bob, 'am.bob@example.com', :payroll)::text,
          'the invitation goes to the stored address of the account with that key, naming the product');
SELECT isnt(pg_temp.mailed_token('am.carol@example.com', 'invitation'), NULL, 'Carol''s invitation carries a token');
SELECT is(pg_temp.rows_holding(pg_temp.mailed_token('am.bob@example.com', 'invitation')), 0::bigint,
          'the token is stored nowhere in clear (the outbox holds it sealed, invitations its hash)');
SELECT is((SELECT count(*) FROM auth.audit_log WHERE event = 'invitation_sent' AND product_id = :payroll), 2::bigint,
          'each invitation is audited');
SELECT pg_temp.mailed_token('am.bob@example.com', 'invitation') AS bob_invitation \gset

-- Accepting.
SELECT auth_login('am.eve@example.com', 'Cobalt river 22 lamp', 'AM Payroll') AS eve_session \gset
SELECT auth_login('am.bob@example.com', 'Amber orbit 71 slot', 'AM Accounting') AS bob_accounting \gset
SELECT auth_login('am.bob@example.com', 'Amber orbit 71 slot') AS bob_signin \gset
SET ROLE tap_am_payroll_app;
SELECT is(auth_accept_invitation(:'bob_invitation', :'eve_session'), false,
          'a session of another user cannot accept (false)');
SELECT is(auth_accept_invitation(NULL, :'eve_session'), false, 'a NULL token: false');
SELECT is(auth_accept_invitation('', ''), false, 'empty arguments: false');
RESET ROLE;
SET ROLE tap_am_accounting_app;
SELECT is(auth_accept_invitation(:'bob_invitation', :'bob_accounting'), false,
          'another product''s app cannot accept an invitation into Payroll (false)');
RESET ROLE;
SELECT is((SELECT accepted_at FROM auth.invitations WHERE product_id = :payroll AND email_key = 'am.bob@example.com'), NULL,
          'refusals leave the invitation pending');
SET ROLE tap_am_signin;
SELECT is(auth_accept_invitation(:'bob_invitation', :'bob_signin'), true,
          'Bob, signed in at the sign-in service, accepts');
SELECT is(auth_accept_invitation(:'bob_invitation', :'bob_signin'), false, 'an invitation is accepted once');
RESET ROLE;
SELECT is(auth_has_role(:bob, 'AM Payroll', 'clerk', 'AM Acme'), true, 'Bob is a clerk of Payroll in Acme');
SELECT is((SELECT status FROM auth.user_products WHERE user_id = :bob AND product_id = :payroll), 'active',
          'his membership is active');
SELECT is((SELECT array_agg(detail->>'reason' ORDER BY id) FROM auth.audit_log WHERE event = 'invitation_refused'),
          ARRAY['other_user', 'used'], 'refusals of a real invitation are audited with the reason');

-- Replaced and expired.
SET ROLE tap_am_payroll_admin;
SELECT pg_temp.mailed_token('am.carol@example.com', 'invitation') AS carol_first \gset
SELECT auth_invite('AM Payroll', 'am.carol@example.com', 'clerk') \g /dev/null
RESET ROLE;
SELECT is((SELECT count(*) FROM auth.outbox WHERE kind = 'invitation' AND email = 'am.carol@example.com'), 1::bigint,
          'a second invitation replaces the first: its unsent mail is gone');
SELECT pg_temp.mailed_token('am.carol@example.com', 'invitation') AS carol_second \gset
SELECT auth_create_user('am.carol@example.com', 'Velvet canyon 48 drum', NULL, NULL, 'AM Payroll') AS carol \gset
SELECT auth_login('am.carol@example.com', 'Velvet canyon 48 drum', 'AM Payroll') AS carol_session \gset
SET ROLE tap_am_payroll_app;
SELECT is(auth_accept_invitation(:'carol_first', :'carol_session'), false, 'the replaced invitation''s token: false');
RESET ROLE;
UPDATE auth.invitations SET expires_at = now() - interval '1 second' WHERE email = 'am.carol@example.com';
SET ROLE tap_am_payroll_app;
SELECT is(auth_accept_invitation(:'carol_second', :'carol_session'), false, 'an expired invitation: false');
RESET ROLE;
SELECT is(auth_has_role(:carol, 'AM Payroll', 'clerk'), false, 'neither gave Carol the role');
SELECT is(current_setting('auth.invitation_ttl'), '7d', 'auth.invitation_ttl is 7 days by default');

-- ---------------------------------------------------------------------------------
-- Email change.
SELECT auth_login('am.eve@example.com', 'Cobalt river 22 lamp', 'AM Payroll') AS eve_second \gset
SELECT auth_request_password_reset('am.eve@example.com') \g /dev/null
SELECT pg_temp.mailed_token('am.eve@example.com', 'password_reset') AS eve_reset \gset
SET ROLE tap_am_payroll_app;
SELECT throws_ok(format('SELECT auth_request_email_change(%L, %L)', :'eve_session', 'AM.BOB@example.com'), '23505', NULL,
                 'a new address that has an account: 23505');
SELECT throws_ok(format('SELECT auth_request_email_change(%L, %L)', :'eve_session', 'am.b' || chr(1086) || 'b@example.com'),
                 '23505', NULL, 'a look-alike of an address that has an account: 23505');
SELECT throws_ok(format('SELECT auth_request_email_change(%L, %L)', :'eve_session', 'no address'), '22023', NULL,
                 'a malformed address: 22023');
SELECT throws_ok(format('SELECT auth_request_email_change(%L, NULL)', :'eve_session'), '22004', NULL, 'a NULL address: 22004');
SELECT throws_ok($$SELECT auth_request_email_change(NULL, 'am.eve2@example.com')$$, '22004', NULL, 'a NULL session: 22004');
SELECT throws_ok($$SELECT auth_request_email_change('', 'am.eve2@example.com')$$, '42704', NULL, 'no session: 42704');
RESET ROLE;
SET ROLE tap_am_accounting_app;
SELECT throws_ok(format('SELECT auth_request_email_change(%L, %L)', :'eve_session', 'am.eve2@example.com'), '42704', NULL,
                 'a session of another product''s app is, to it, no session (42704)');
RESET ROLE;
SET ROLE tap_am_payroll_app;
SELECT lives_ok(format('SELECT auth_request_email_change(%L, %L)', :'eve_session', 'am.eve2@example.com'),
                'Eve asks to change her address');
RESET ROLE;
SELECT is((SELECT array_agg((kind, email, sealed_token IS NOT NULL)::text ORDER BY id) FROM auth.outbox
           WHERE user_id = :eve AND kind LIKE 'email_change%'),
          ARRAY[('email_change', 'am.eve2@example.com', true)::text, ('email_change_notice', 'am.eve@example.com', false)::text],
          'the token goes to the new address, a notice without a token to the old one');
SELECT pg_temp.mailed_token('am.eve2@example.com', 'email_change') AS eve_change \gset
SET ROLE tap_am_accounting_app;
SELECT is(auth_confirm_email_change(:'eve_change'), false, 'another product''s app cannot confirm (false)');
RESET ROLE;
SET ROLE tap_am_payroll_app;
SELECT is(auth_confirm_email_change(:'eve_change'), true, 'the token confirms the change');
SELECT is(auth_confirm_email_change(:'eve_change'), false, 'the token works once');
SELECT is(auth_confirm_email_change(NULL), false, 'a NULL token: false');
SELECT is(auth_confirm_email_change(''), false, 'an empty token: false');
SELECT is(auth_session_user(:'eve_second'), NULL, 'every session of the user ended');
SELECT is(auth_reset_password(:'eve_reset', 'Marble harbor 93 kite'), false,
          'a reset token mailed to the old address no longer works');
RESET ROLE;
SELECT is((SELECT email || ' ' || (email_verified_at IS NOT NULL) FROM auth.users WHERE id = :eve), 'am.eve2@example.com true',
          'the new address is stored, verified');
SELECT is(pg_temp.rows_holding(:'eve_change'), 0::bigint, 'the token is nowhere in clear, audit rows included');

-- ---------------------------------------------------------------------------------
-- Security notices, once per event, to the stored address.
SELECT auth_login('am.eve2@example.com', 'Cobalt river 22 lamp', 'AM Payroll') AS eve_third \gset
SET ROLE tap_am_payroll_app;
SELECT auth_change_password(:eve, 'Cobalt river 22 lamp', 'Granite meadow 57 bell') \g /dev/null
RESET ROLE;
SELECT auth_set_password(:eve, 'Saffron tunnel 64 pear') \g /dev/null
SELECT is((SELECT array_agg(email) FROM auth.outbox WHERE kind = 'password_changed' AND user_id = :eve),
          ARRAY['am.eve2@example.com', 'am.eve2@example.com'], 'a password change and a set: one notice each, to the stored address');
SELECT auth_request_password_reset('am.eve2@example.com') \g /dev/null
SELECT auth_reset_password(pg_temp.mailed_token('am.eve2@example.com', 'password_reset'), 'Indigo valley 35 rope') \g /dev/null
SELECT is(pg_temp.mails('password_changed', :eve), 3::bigint, 'a reset: one more notice');
-- A change asked from a stolen session does not survive the owner's new password.
SELECT auth_login('am.eve2@example.com', 'Indigo valley 35 rope', 'AM Payroll') AS eve_stolen \gset
SELECT auth_request_email_change(:'eve_stolen', 'am.thief@example.com') \g /dev/null
SELECT pg_temp.mailed_token('am.thief@example.com', 'email_change') AS thief_change \gset
SELECT auth_set_password(:eve, 'Copper lantern 26 moss') \g /dev/null
SELECT is(auth_confirm_email_change(:'thief_change'), false, 'a new password voids a pending email change');
SELECT auth_set_password(:eve, 'Indigo valley 35 rope') \g /dev/null
-- MFA: enrol, confirm, remove; an operator's reset.
SELECT auth_login('am.eve2@example.com', 'Indigo valley 35 rope', 'AM Payroll') AS eve_mfa \gset
SELECT factor_id, secret FROM auth_mfa_enroll_totp(:'eve_mfa') \gset
SELECT is(pg_temp.mails('mfa_enrolled', :eve), 0::bigint, 'an unconfirmed factor is no enrolment yet');
SELECT auth_mfa_confirm(:'eve_mfa', :factor_id, pg_temp.totp(:'secret')) AS confirmed \gset
SELECT is(pg_temp.mails('mfa_enrolled', :eve), 1::bigint, 'confirming a factor: one mfa_enrolled notice');
SELECT auth_mfa_reset(:eve) \g /dev/null
SELECT auth_mfa_reset(:eve) \g /dev/null
SELECT is(pg_temp.mails('mfa_removed', :eve), 1::bigint, 'an operator''s reset: one mfa_removed notice; a reset with nothing to remove, none');
-- The lock: as the recorder applies failures (max 2).
SELECT auth.apply_failure('tap', :bob, 'password', true, 'login_failed', NULL, '{}', 2, 60) \g /dev/null
SELECT auth.apply_failure('tap', :bob, 'password', true, 'login_failed', NULL, '{}', 2, 60) \g /dev/null
SELECT auth.apply_failure('tap', :bob, 'password', true, 'login_failed', NULL, '{}', 2, 60) \g /dev/null
SELECT is((SELECT array_agg((email, sealed_token IS NULL)::text) FROM auth.outbox WHERE kind = 'account_locked' AND user_id = :bob),
          ARRAY[('am.bob@example.com', true)::text], 'the lock: one account_locked notice, no token; failures while locked add none');

SELECT * FROM finish();
ROLLBACK;
