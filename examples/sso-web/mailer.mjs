// The mailer: connects as mailer_web, a member of auth_mailer, LISTENs on auth_outbox and
// claims the account emails (auth_outbox_claim). Instead of sending them it writes each
// as an HTML file into the mail folder, which the sign-in service serves at /mail/.
// Claim, "send" (write), then commit: at least once (docs/mailer.md).
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { mailDir, productUrls, signinUrl } from './config.mjs';
import { html } from './web.mjs';

const client = new pg.Client({
    host: process.env.PGHOST,
    port: Number(process.env.PGPORT || 5432),
    database: process.env.PGDATABASE,
    user: 'mailer_web',
    application_name: 'mailer_web',
});

// Every kind of message (docs/account-mails.md). The kinds with a token get a link to the
// page that redeems it; the security notices (no token) only tell what happened.
const pages = { password_reset: 'reset', email_verification: 'verify', invitation: 'invitation', email_change: 'email-change' };
const subjects = {
    password_reset: 'Reset your password', email_verification: 'Confirm your email address',
    invitation: 'You are invited', email_change: 'Confirm your new email address',
    email_change_notice: 'Your email address is being changed', password_changed: 'Your password was changed',
    mfa_enrolled: 'A second factor was added to your account', mfa_removed: 'A second factor was removed from your account',
    account_locked: 'Your account was locked',
};
const asks = {
    password_reset: 'Someone asked to reset the password of your account',
    email_verification: 'Someone asked to confirm this address for your account',
    invitation: 'You are invited to join', email_change: 'Someone asked to make this the address of an account',
    email_change_notice: 'Someone asked to move your account to another email address',
    password_changed: 'The password of your account was changed',
    mfa_enrolled: 'A second factor was added to your account', mfa_removed: 'A second factor was removed from your account',
    account_locked: 'Your account was locked after too many wrong passwords',
};
const actions = { password_reset: 'Choose a new password', email_verification: 'Confirm the address',
                  invitation: 'Accept the invitation', email_change: 'Confirm the new address' };

// The page that redeems the token: the product's when a product app asked, else the
// sign-in service's. The token goes in the fragment, which no server receives.
function link(kind, product, token) {
    const base = productUrls()[product] ?? signinUrl();
    return `${base}/${pages[kind]}#${token}`;
}

async function write(m) {
    const when = m.created_at.toISOString().replace(/[:.]/g, '-');
    const name = `${when}-${m.id}-${m.kind}.html`;
    const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${subjects[m.kind]}</title>
<meta name="to" content="${m.email}"></head>
<body style="font-family: system-ui, sans-serif; max-width: 640px; margin: 24px auto">
<p><small>From: accounts@example.com<br>To: ${m.email}<br>Subject: ${subjects[m.kind]}</small></p>
<hr>
<p>Hello ${m.full_name ?? ''},</p>
${m.token ? html`<p>${asks[m.kind]}${m.product ? ` for ${m.product}` : ''}. If it was you:</p>
<p><a id="link" href="${link(m.kind, m.product, m.token)}">${actions[m.kind]}</a></p>
<p><small>The link works once, until ${m.expires_at.toISOString()}. If you did not ask, ignore this mail.</small></p>`
    : html`<p>${asks[m.kind]}${m.product ? ` (${m.product})` : ''}. If it was not you, reset your password and tell us.</p>`}
</body></html>
`.toString();
    // Written whole, then renamed: the mailbox never shows half a mail.
    const file = path.join(mailDir(), name);
    await writeFile(`${file}.tmp`, body, { mode: 0o600 });
    await rename(`${file}.tmp`, file);
    console.log(`mailer: wrote ${m.kind} for ${m.email} to ${name}`);
}

// Claims and writes batches until the outbox is empty, one transaction per batch.
async function drain() {
    for (;;) {
        await client.query('BEGIN');
        try {
            const { rows } = await client.query(
                'SELECT id, kind, email, full_name, product, token, created_at, expires_at FROM auth_outbox_claim($1)', [10]);
            for (const m of rows) await write(m);
            await client.query('COMMIT');   // only now are these messages claimed for good
            if (rows.length === 0) return;
        } catch (err) {
            await client.query('ROLLBACK').catch(() => {});
            throw err;
        }
    }
}

// One drain at a time; a wake-up during a drain runs one more after it.
let running = null, again = false;
function wake() {
    if (running) {
        again = true;
        return;
    }
    running = drain()
        .catch((err) => console.error(`mailer: ${err.message}`))
        .finally(() => {
            running = null;
            if (again) {
                again = false;
                wake();
            }
        });
}

await client.connect();
client.on('notification', wake);   // NOTIFY auth_outbox, after a request commits
await client.query('LISTEN auth_outbox');
wake();                             // what queued while we were down
const timer = setInterval(wake, 30_000);   // notifications are a hint, not a queue
console.log(`mailer: listening on auth_outbox, writing into ${mailDir()}`);

async function stop() {
    clearInterval(timer);
    await running;
    await client.end().catch(() => {});
    process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
