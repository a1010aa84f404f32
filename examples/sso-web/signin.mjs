// The sign-in service: the one login page of both products. It connects as signin_web, a
// member of auth_signin, logs users in without naming a product (a sign-in session, in
// its own cookie), hands them on to a product with a single-use code (auth_sso_code),
// logs them out of everything (auth_logout of the sign-in session ends the sessions made
// from it), and runs "forgot password" (auth_request_password_reset, auth_reset_password).
// It also serves the mailer's folder at /mail/, the demo's mailbox.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { demoUsers, mailDir, portOf, productUrls, signinUrl } from './config.mjs';
import { clientIp, cookie, html, page, parseCookies, pool, readForm, redirect, send, serve, value } from './web.mjs';

const db = pool('signin_web');
const COOKIE = 'signin_session';
const products = productUrls();
// Who a sign-in session is, for the page only (the token is checked in the database on
// every request): the email typed at login.
const emails = new Map();

const nav = html`<a href="/">Your account</a><a href="${products.Accounting}/">Accounting</a><a href="${products.Payroll}/">Payroll</a><a href="/mail/">Mailbox</a>`;
const show = (res, status, title, body, headers) =>
    send(res, status, page({ app: 'Sign-in service', colour: '#3b4a6b', title, body, nav }), headers);

// The sign-in session of this browser: [token, user id] while valid, else [token, null].
async function signedIn(req) {
    const token = parseCookies(req)[COOKIE];
    if (!token) return [null, null];
    return [token, await value(db, 'SELECT auth_session_user($1)', [token])];
}

function loginForm(res, { status = 200, error, product, challenge, state, email = '', headers } = {}) {
    const pending = product ? html`
        <input type="hidden" name="product" value="${product}">
        <input type="hidden" name="code_challenge" value="${challenge}">
        <input type="hidden" name="state" value="${state}">` : '';
    show(res, status, 'Sign in', html`
        <h2>Sign in</h2>
        ${product ? html`<p>to continue to <b>${product}</b>.</p>` : html`<p>One account for the Accounting App and the Payroll App.</p>`}
        ${error ? html`<p class="error">${error}</p>` : ''}
        <form method="post" action="/login">
          ${pending}
          <label for="email">Email</label><input id="email" type="email" name="email" value="${email}" required autofocus>
          <label for="password">Password</label><input id="password" type="password" name="password" required>
          <div><button type="submit">Sign in</button></div>
        </form>
        <p><a href="/forgot">Forgot your password?</a></p>
        <div class="note"><b>Demo accounts</b> (as setup.sql makes them)
          <table><tr><th>email</th><th>password</th><th>who</th></tr>
          ${demoUsers.map((u) => html`<tr><td>${u.email}</td><td><code>${u.password}</code></td><td>${u.who}</td></tr>`)}
          </table></div>`, headers);
}

// A valid authorization request: a product we know, a PKCE S256 challenge, a state.
function authorization(params) {
    const product = params.product, challenge = params.code_challenge, state = params.state;
    if (!product && !challenge && !state) return null;
    if (!Object.hasOwn(products, product) || !/^[A-Za-z0-9_-]{43}$/.test(challenge || '') ||
        !/^[A-Za-z0-9_-]{16,128}$/.test(state || '')) {
        throw Object.assign(new Error('bad authorization request'), { status: 400 });
    }
    return { product, challenge, state };
}

// Hands the browser on to the product: a code for it, sent to the product's own callback
// address. NULL from auth_sso_code with a valid session: not a member of that product.
async function handOn(res, token, { product, challenge, state }) {
    const code = await value(db, 'SELECT auth_sso_code($1, $2, $3)', [token, product, challenge]);
    const callback = new URL('/callback', products[product]);
    callback.searchParams.set('state', state);
    if (code) {
        callback.searchParams.set('code', code);
    } else if (await value(db, 'SELECT auth_session_user($1)', [token]) === null) {
        return loginForm(res, { product, challenge, state, error: 'Your session has ended: sign in again.',
                                headers: { 'Set-Cookie': cookie(COOKIE, '', { maxAge: 0 }) } });
    } else {
        callback.searchParams.set('error', 'access_denied');
    }
    redirect(res, callback.href);
}

async function home(req, res) {
    const [token, userId] = await signedIn(req);
    if (userId === null) return loginForm(res, token ? { headers: { 'Set-Cookie': cookie(COOKIE, '', { maxAge: 0 }) } } : {});
    const { rows: roles } = await db.query(
        'SELECT product, string_agg(role, \', \' ORDER BY role) AS roles FROM auth_user_roles($1) GROUP BY product ORDER BY product', [userId]);
    const { rows: sessions } = await db.query(
        'SELECT coalesce(product, \'(sign-in service)\') AS product, created_at FROM auth_sessions($1) ORDER BY created_at', [userId]);
    show(res, 200, 'Your account', html`
        <h2>Signed in as <span id="who">${emails.get(token) ?? `user ${userId}`}</span></h2>
        <h3>Your products</h3>
        <ul>${roles.map((r) => html`<li><a href="${products[r.product] ?? '#'}/">${r.product}</a>: ${r.roles}</li>`)}</ul>
        <h3>Your live sessions</h3>
        <table><tr><th>product</th><th>since</th></tr>
        ${sessions.map((s) => html`<tr><td>${s.product}</td><td>${s.created_at.toISOString()}</td></tr>`)}</table>
        <form method="post" action="/logout"><button type="submit" id="logout">Sign out of everything</button></form>
        <p><small>Signing out here ends this sign-in session and every product session made from it (single logout).</small></p>`);
}

async function login(req, res) {
    const form = await readForm(req);
    const pending = authorization(form);
    // No product: a sign-in session, bound to none. Its own transaction (autocommit).
    const token = await value(db, 'SELECT auth_login($1, $2, NULL, $3, $4)',
        [form.email ?? '', form.password ?? '', req.headers['user-agent'] ?? null, clientIp(req)]);
    if (!token) {
        return loginForm(res, { status: 401, error: 'Wrong email or password.', email: form.email, ...pending });
    }
    emails.set(token, form.email);
    res.setHeader('Set-Cookie', cookie(COOKIE, token));
    if (pending) return handOn(res, token, pending);
    redirect(res, '/');
}

async function authorize(req, res, url) {
    const pending = authorization(Object.fromEntries(url.searchParams));
    if (!pending) return redirect(res, '/');
    const [token, userId] = await signedIn(req);
    if (userId === null) return loginForm(res, pending);   // the one password prompt
    return handOn(res, token, pending);                      // signed in already: no prompt
}

async function logout(req, res) {
    const [token] = await signedIn(req);
    if (token) {
        await value(db, 'SELECT auth_logout($1)', [token]);   // ends the product sessions too
        emails.delete(token);
    }
    show(res, 200, 'Signed out', html`
        <h2>You are signed out</h2>
        <p class="ok">Your sign-in session has ended, and with it your sessions in the Accounting App and the Payroll App.</p>
        <p><a href="/">Sign in again</a></p>`, { 'Set-Cookie': cookie(COOKIE, '', { maxAge: 0 }) });
}

function forgotForm(res) {
    show(res, 200, 'Forgot password', html`
        <h2>Forgot your password?</h2>
        <p>We will mail you a link to choose a new one.</p>
        <form method="post" action="/forgot">
          <label for="email">Email</label><input id="email" type="email" name="email" required autofocus>
          <div><button type="submit">Send me a link</button></div>
        </form>`);
}

async function forgot(req, res) {
    const form = await readForm(req);
    // Void, whether or not the address has an account; the mailer gets the token.
    await db.query('SELECT auth_request_password_reset($1)', [form.email ?? '']);
    show(res, 200, 'Check your mail', html`
        <h2>Check your mail</h2>
        <p class="ok">If there is an account for that address, a mail with a link is on its way.</p>
        <p>In this demo the mailer writes mails into a folder: <a href="/mail/" id="mailbox">open the mailbox</a>.</p>`);
}

function resetForm(res, { status = 200, error, token = '' } = {}) {
    // The link carries the token in the fragment (#…), which the browser sends to no
    // server; the script moves it into the form and out of the address bar.
    show(res, status, 'Choose a new password', html`
        <h2>Choose a new password</h2>
        ${error ? html`<p class="error">${error}</p>` : ''}
        <form method="post" action="/reset">
          <input type="hidden" id="token" name="token" value="${token}">
          <label for="password">New password</label><input id="password" type="password" name="password" required minlength="8" autofocus>
          <div><button type="submit">Set the new password</button></div>
        </form>
        <script>
          if (location.hash.length > 1) {
            document.getElementById('token').value = location.hash.slice(1);
            history.replaceState(null, '', location.pathname);
          }
        </script>`);
}

async function reset(req, res) {
    const form = await readForm(req);
    let ok;
    try {
        ok = await value(db, 'SELECT auth_reset_password($1, $2)', [form.token ?? '', form.password ?? '']);
    } catch (err) {
        if (err.code !== '22023' && err.code !== '22004') throw err;   // a password the policy refuses
        return resetForm(res, { status: 422, error: err.message, token: form.token });
    }
    if (!ok) {
        return show(res, 400, 'Link not valid', html`<h2>This link is not valid</h2>
            <p class="error">It was used already, has expired, or a newer one was sent.</p>
            <p><a href="/forgot">Ask for a new link</a></p>`);
    }
    show(res, 200, 'Password changed', html`
        <h2>Your password is changed</h2>
        <p class="ok">Every session of your account has ended; sign in with the new password.</p>
        <p><a href="/">Sign in</a></p>`, { 'Set-Cookie': cookie(COOKIE, '', { maxAge: 0 }) });
}

// The demo's mailbox: the mailer's folder, newest first.
async function mailbox(res) {
    const names = (await readdir(mailDir())).filter((n) => n.endsWith('.html')).sort().reverse();
    const mails = await Promise.all(names.map(async (name) => {
        const text = await readFile(path.join(mailDir(), name), 'utf8');
        return { name, subject: /<title>(.*?)<\/title>/s.exec(text)?.[1] ?? name, to: /name="to" content="(.*?)"/.exec(text)?.[1] ?? '' };
    }));
    show(res, 200, 'Mailbox', html`
        <h2>Mailbox</h2>
        <p><small>Every mail the mailer took from the outbox, as a file in its folder.</small></p>
        ${mails.length ? html`<table><tr><th>to</th><th>subject</th><th>file</th></tr>
          ${mails.map((m) => html`<tr><td>${m.to}</td><td><a class="mail" href="/mail/${m.name}">${m.subject}</a></td><td><small>${m.name}</small></td></tr>`)}
        </table>` : html`<p>No mail yet.</p>`}`);
}

async function mail(res, name) {
    if (!/^[A-Za-z0-9_.-]+\.html$/.test(name)) return send(res, 404, 'no such mail');
    try {
        send(res, 200, await readFile(path.join(mailDir(), name)));
    } catch {
        send(res, 404, 'no such mail');
    }
}

async function handler(req, res, url) {
    const route = `${req.method} ${url.pathname}`;
    try {
        switch (route) {
            case 'GET /': return await home(req, res);
            case 'GET /authorize': return await authorize(req, res, url);
            case 'POST /login': return await login(req, res);
            case 'POST /logout': return await logout(req, res);
            case 'GET /forgot': return forgotForm(res);
            case 'POST /forgot': return await forgot(req, res);
            case 'GET /reset': return resetForm(res);
            case 'POST /reset': return await reset(req, res);
            case 'GET /mail/': return await mailbox(res);
        }
        if (req.method === 'GET' && url.pathname.startsWith('/mail/')) return await mail(res, url.pathname.slice(6));
        show(res, 404, 'Not found', html`<h2>Not found</h2>`);
    } catch (err) {
        if (err.status !== 400) throw err;
        show(res, 400, 'Bad request', html`<h2>Bad request</h2><p>${err.message}</p>`);
    }
}

serve({ name: 'sign-in service', port: portOf(signinUrl()), handler, onStop: () => db.end() });
