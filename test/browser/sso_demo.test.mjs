// The single sign-on web demo (examples/sso-web), driven in headless Chromium by
// playwright-core: a user's first hour, step by step, with a screenshot of each step in
// build/screenshots/ and assertions on what each page shows.
//
// Needs a running server with the extension available, named by libpq's PG* variables
// as a superuser (scripts/test starts one), Debian's chromium at /usr/bin/chromium, and
// `npm ci` in this folder and in examples/sso-web. Run with `node --test test/browser/`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDemo } from '../../examples/sso-web/start.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'build', 'screenshots');
const database = 'sso_demo_test';

// Debian's Chromium, as this machine runs it: no sandbox (root), no GPU, and nothing
// that reaches for the network. Playwright adds --headless and a new, empty
// --user-data-dir of its own.
const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const alice = { email: 'alice@example.com', password: 'amber-demo-passphrase' };
const bob = { email: 'bob@example.com', password: 'cobalt-demo-passphrase', newPassword: 'bob-changed-password-2' };

let demo, browser, urls;
const step = { timeout: 120_000 };   // per test; Playwright's own waits are 15 s
const log = [];
let shotNumber = 0;

async function shot(page, name) {
    const file = path.join(shots, `${String(++shotNumber).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
}

async function newPage() {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    context.setDefaultTimeout(15_000);
    return context.newPage();
}

// The main text of the page, whitespace folded.
const text = async (page) => (await page.locator('main').innerText()).replace(/\s+/g, ' ');

async function signIn(page, { email, password }) {
    await page.fill('#email', email);
    await page.fill('#password', password);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

before(async () => {
    assert.ok(process.env.PGHOST, 'PGHOST is not set: run under scripts/test, or after lib.sh start_server');
    const run = (cmd, ...args) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('psql', ['-X', '-q', '-d', 'postgres', '-c', 'SET client_min_messages = warning',
        '-c', `DROP DATABASE IF EXISTS ${database}`]);
    run('createdb', database);
    run('psql', '-X', '-q', '-d', database, '-f', path.join(root, 'examples/sso-web/setup.sql'));
    process.env.PGDATABASE = database;   // for the demo's processes

    rmSync(shots, { recursive: true, force: true });
    mkdirSync(shots, { recursive: true });
    demo = await startDemo({ mailDir: mkdtempSync(path.join(os.tmpdir(), 'sso-demo-mail-')), log: (l) => log.push(l) });
    urls = demo.urls;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: chromiumFlags });
}, step);

after(async () => {
    await browser?.close();
    await demo?.stop();
    writeFileSync(path.join(shots, 'demo.log'), log.join('\n') + '\n');
    if (demo) rmSync(demo.mailDir, { recursive: true, force: true });
});

let alicePage;

test('Alice opens Accounting, signs in once at the sign-in service, and sees the admin actions', step, async () => {
    const page = alicePage = await newPage();
    await page.goto(`${urls.Accounting}/`);
    assert.ok(page.url().startsWith(`${urls.signin}/authorize?product=Accounting&code_challenge=`), page.url());
    assert.match(await text(page), /Sign in to continue to Accounting\./);
    await shot(page, 'alice-sign-in-form');

    await signIn(page, alice);
    assert.equal(page.url(), `${urls.Accounting}/`);
    assert.equal(await page.textContent('#who'), alice.email);
    assert.equal(await page.textContent('#roles'), 'admin, user');
    assert.ok(await page.isVisible('#admin-actions'));
    assert.match(await page.locator('#admin-actions').innerText(), /Admin actions.*Close the month/s);
    assert.match(await text(page), /INV-1041/);
    await shot(page, 'alice-accounting-admin');

    const cookies = await page.context().cookies(urls.Accounting);
    const session = cookies.find((c) => c.name === 'accounting_session');
    assert.ok(session, 'Accounting set its session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.equal(session.value.length, 43);
});

test('Alice follows the link to Payroll and arrives signed in, without a second password prompt, read-only', step, async () => {
    const page = alicePage;
    const documents = [];
    const record = (response) => response.request().isNavigationRequest() && documents.push([response.url(), response.status()]);
    page.on('response', record);
    await Promise.all([page.waitForURL(`${urls.Payroll}/`), page.click('header nav a:text-is("Payroll")')]);
    page.off('response', record);

    // Through the sign-in service, which answered with a redirect, not with its form.
    const authorize = documents.find(([url]) => url.startsWith(`${urls.signin}/authorize?product=Payroll&`));
    assert.ok(authorize, JSON.stringify(documents));
    assert.equal(authorize[1], 303);
    assert.ok(documents.some(([url, status]) => url.startsWith(`${urls.Payroll}/callback?`) && status === 303));
    assert.ok(documents.every(([url, status]) => !url.startsWith(urls.signin) || status === 303), JSON.stringify(documents));
    assert.equal(await page.locator('input[type=password]').count(), 0);

    assert.equal(await page.textContent('#who'), alice.email);
    assert.equal(await page.textContent('#roles'), 'viewer');
    assert.match(await text(page), /Payslips Read-only: your role in Payroll is viewer\./);
    assert.equal(await page.locator('main button').count(), 1, 'only "Sign out of Payroll"');
    await shot(page, 'alice-payroll-read-only');

    await page.click('header nav a:text-is("Calendar")');
    await page.waitForURL(`${urls.Payroll}/calendar`);
    assert.match(await text(page), /Payroll calendar Read-only: your role in Payroll is viewer\./);
    await shot(page, 'alice-payroll-calendar');
});

let bobPage;

test('Bob sees Accounting as a user, and Payroll refuses him', step, async () => {
    const page = bobPage = await newPage();
    await page.goto(`${urls.Accounting}/`);
    assert.match(await text(page), /Sign in to continue to Accounting\./);
    await signIn(page, bob);
    assert.equal(page.url(), `${urls.Accounting}/`);
    assert.equal(await page.textContent('#who'), bob.email);
    assert.equal(await page.textContent('#roles'), 'user');
    assert.equal(await page.locator('#admin-actions').count(), 0);
    assert.match(await page.textContent('#no-admin'), /You are a user of Accounting: no admin actions\./);
    assert.match(await text(page), /Invoices/);
    await shot(page, 'bob-accounting-user');

    const response = await page.goto(`${urls.Payroll}/`);
    assert.equal(response.status(), 403);
    assert.ok(page.url().startsWith(`${urls.Payroll}/callback?`), page.url());
    assert.match(await text(page), /Not authorised Your account has no access to the Payroll App\./);
    assert.equal(await page.locator('input[type=password]').count(), 0, 'refused, not asked for a password');
    const cookies = await page.context().cookies(urls.Payroll);
    assert.equal(cookies.find((c) => c.name === 'payroll_session'), undefined);
    await shot(page, 'bob-payroll-refused');
});

test('Forgot password goes through the mailer; the link sets a new password once; the new one logs in', step, async () => {
    const page = await newPage();
    await page.goto(`${urls.signin}/`);
    await page.click('text=Forgot your password?');
    await page.fill('#email', bob.email);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.match(await text(page), /Check your mail If there is an account for that address, a mail with a link is on its way\./);
    await shot(page, 'forgot-password-sent');

    // The mailer, woken by NOTIFY auth_outbox, writes the mail into its folder.
    let mail;
    for (let i = 0; i < 100 && !mail; i++) {
        mail = readdirSync(demo.mailDir).find((n) => n.endsWith('-password_reset.html'));
        if (!mail) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(mail, 'a password_reset mail file appeared');
    const content = readFileSync(path.join(demo.mailDir, mail), 'utf8');
    assert.match(content, /To: bob@example\.com/);
    assert.match(content, new RegExp(`href="${urls.signin}/reset#[A-Za-z0-9_-]{43}"`));

    await page.click('#mailbox');
    assert.equal(page.url(), `${urls.signin}/mail/`);
    assert.match(await text(page), /bob@example\.com Reset your password/);
    await shot(page, 'mailbox');

    await page.click('a.mail');
    assert.equal(page.url(), `${urls.signin}/mail/${mail}`);
    assert.match(await page.innerText('body'), /Hello Bob Brown,/);
    await shot(page, 'reset-mail');
    const mailUrl = page.url();

    await page.click('#link');
    await page.waitForURL(`${urls.signin}/reset`);   // the script took the token out of the address
    assert.equal((await page.inputValue('#token')).length, 43);
    assert.match(await text(page), /Choose a new password/);
    await shot(page, 'reset-form');
    await page.fill('#password', bob.newPassword);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.match(await text(page), /Your password is changed/);
    await shot(page, 'reset-done');

    // The link works once.
    await page.goto(mailUrl);
    await page.click('#link');
    await page.waitForURL(`${urls.signin}/reset`);
    await page.fill('#password', 'yet-another-password-3');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.match(await text(page), /This link is not valid/);

    // The old password no longer works, the new one does.
    await page.goto(`${urls.signin}/`);
    await signIn(page, bob);
    assert.match(await text(page), /Wrong email or password\./);
    await shot(page, 'old-password-refused');
    await signIn(page, { email: bob.email, password: bob.newPassword });
    assert.equal(page.url(), `${urls.signin}/`);
    assert.equal(await page.textContent('#who'), bob.email);
    await shot(page, 'new-password-signed-in');

    // A reset ends every session of the user: Bob's Accounting session is gone.
    await bobPage.goto(`${urls.Accounting}/`);
    assert.match(await text(bobPage), /You are signed out Your Accounting session has ended\./);
});

test('Signing out at the sign-in service signs Alice out of Accounting and Payroll', step, async () => {
    const page = alicePage;
    await page.goto(`${urls.signin}/`);
    assert.equal(await page.textContent('#who'), alice.email);
    const account = await text(page);
    assert.match(account, /Accounting: admin, user/);
    assert.match(account, /Payroll: viewer/);
    assert.match(account, /\(sign-in service\).*Accounting.*Payroll/s, 'the sign-in session and its two children');
    await shot(page, 'alice-account');

    await page.click('#logout');
    await page.waitForLoadState();
    assert.match(await text(page), /You are signed out Your sign-in session has ended/);
    await shot(page, 'alice-signed-out');

    for (const product of ['Accounting', 'Payroll']) {
        await page.goto(`${urls[product]}/`);
        assert.equal(page.url(), `${urls[product]}/`);
        assert.match(await text(page), new RegExp(`You are signed out Your ${product} session has ended\\.`));
        assert.equal(await page.locator('#who').count(), 0);
        await shot(page, `alice-${product.toLowerCase()}-signed-out`);
    }

    // Signing in again asks for the password: the sign-in session is gone too.
    await page.click('#signin');
    assert.match(await text(page), /Sign in to continue to Payroll\./);
    await shot(page, 'alice-asked-again');
});
