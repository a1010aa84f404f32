// A product app: what the Accounting App and the Payroll App share. It connects as its
// own role, a confined client bound to its product (auth_set_app_role), and never sees a
// password: a browser without a session is sent to the sign-in service with a PKCE
// challenge, comes back with a code, and the app exchanges code and verifier for a
// session of its own (auth_sso_exchange). Each request checks that session
// (auth_session_user) and the user's roles (auth_has_role).
import { createHash, randomBytes } from 'node:crypto';
import { portOf, productUrls, signinUrl } from './config.mjs';
import { clientIp, cookie, html, page, parseCookies, pool, readForm, redirect, send, serve, value } from './web.mjs';

// productApp({ product, loginRole, colour, pages }): pages maps a path to
// async (ctx) => html, where ctx = { userId, email, roles, has(role) }; a page throws
// notAuthorised() when the user may not see it.
export function productApp({ product, loginRole, colour, pages }) {
    const db = pool(loginRole);
    const key = product.toLowerCase();
    const SESSION = `${key}_session`;   // each app its own cookie names: cookies are shared
    const STATE = `${key}_state`;       // between the ports of one host
    const urls = productUrls();
    const signin = signinUrl();
    const pending = new Map();          // state -> { verifier, returnTo, expires }
    const emails = new Map();           // session token -> email, for the page only

    const nav = html`<a href="${urls.Accounting}/">Accounting</a><a href="${urls.Payroll}/">Payroll</a>${
        Object.keys(pages).length > 1 ? Object.entries(pages).map(([p, { title }]) => html`<a href="${p}">${title}</a>`) : ''
    }<a href="${signin}/">Your account</a>`;
    const show = (res, status, title, body, headers) =>
        send(res, status, page({ app: `${product} App`, colour, title, body, nav }), headers);

    // Steps 1-2 of the flow: a verifier, its S256 challenge and a state; the verifier
    // stays here, the browser goes to the sign-in service with the challenge.
    function startSignIn(res, returnTo) {
        const verifier = randomBytes(32).toString('base64url');
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        const state = randomBytes(24).toString('base64url');
        const now = Date.now();
        for (const [s, p] of pending) if (p.expires < now) pending.delete(s);
        pending.set(state, { verifier, returnTo, expires: now + 10 * 60 * 1000 });
        const to = new URL('/authorize', signin);
        to.search = new URLSearchParams({ product, code_challenge: challenge, state }).toString();
        redirect(res, to.href, { 'Set-Cookie': cookie(STATE, state, { maxAge: 600 }) });
    }

    function notAuthorisedPage(res, email) {
        show(res, 403, 'Not authorised', html`
            <h2>Not authorised</h2>
            <p class="error">${email ? `${email} has` : 'Your account has'} no access to the ${product} App.</p>
            <p>Ask an administrator of ${product} for access, or go back to <a href="${signin}/">your account</a>.</p>`);
    }

    // Steps 7: state checked, verifier taken (and forgotten), code exchanged.
    async function callback(req, res, url) {
        const state = url.searchParams.get('state');
        const mine = state && parseCookies(req)[STATE] === state ? pending.get(state) : undefined;
        if (state) pending.delete(state);
        const clearState = cookie(STATE, '', { maxAge: 0 });
        if (!mine || mine.expires < Date.now()) {
            return show(res, 400, 'Sign-in not started here', html`<h2>This sign-in did not start here</h2>
                <p class="error">Or it took too long.</p><p><a href="/signin">Sign in</a></p>`, { 'Set-Cookie': clearState });
        }
        if (url.searchParams.get('error') === 'access_denied') {
            res.setHeader('Set-Cookie', clearState);
            return notAuthorisedPage(res);
        }
        const token = await value(db, 'SELECT auth_sso_exchange($1, $2, $3, $4)',
            [url.searchParams.get('code') ?? '', mine.verifier, req.headers['user-agent'] ?? null, clientIp(req)]);
        if (!token) {
            return show(res, 400, 'Sign-in failed', html`<h2>Sign-in failed</h2>
                <p class="error">The code was not accepted.</p><p><a href="/signin">Try again</a></p>`, { 'Set-Cookie': clearState });
        }
        redirect(res, mine.returnTo, { 'Set-Cookie': [clearState, cookie(SESSION, token)] });
    }

    // The user's email, from the claims of a short JWT of this session (a product app
    // has no other way to read a user's email, and needs it only to greet).
    async function emailOf(token) {
        if (!emails.has(token)) {
            const claims = await value(db, "SELECT auth_verify_jwt(auth_issue_jwt($1, $2, '1 minute'))", [token, product]);
            emails.set(token, claims?.email ?? null);
        }
        return emails.get(token);
    }

    async function showPage(req, res, url, { title, render }) {
        const token = parseCookies(req)[SESSION];
        if (!token) return startSignIn(res, url.pathname);
        const userId = await value(db, 'SELECT auth_session_user($1)', [token]);
        if (userId === null) {
            // Ended: logged out at the sign-in service (single logout), a password reset, …
            emails.delete(token);
            return show(res, 200, 'Signed out', html`
                <h2>You are signed out</h2>
                <p class="note">Your ${product} session has ended.</p>
                <p><a href="/signin" id="signin">Sign in again</a></p>`, { 'Set-Cookie': cookie(SESSION, '', { maxAge: 0 }) });
        }
        const email = await emailOf(token);
        const { rows } = await db.query('SELECT role FROM auth_user_roles($1, $2) ORDER BY role', [userId, product]);
        const ctx = {
            userId, email, roles: rows.map((r) => r.role),
            has: (role) => value(db, 'SELECT auth_has_role($1, $2, $3)', [userId, product, role]),
        };
        let body;
        try {
            body = await render(ctx);
        } catch (err) {
            if (err !== notAuthorised) throw err;
            return notAuthorisedPage(res, email);
        }
        show(res, 200, title, html`
            <p>Signed in as <b id="who">${email}</b> · your roles in ${product}: <b id="roles">${ctx.roles.join(', ') || 'none'}</b></p>
            ${body}
            <form method="post" action="/logout"><button type="submit">Sign out of ${product}</button></form>`);
    }

    // Ends this app's session only; signing out of everything is the sign-in service's.
    async function logout(req, res) {
        await readForm(req);
        const token = parseCookies(req)[SESSION];
        if (token) await value(db, 'SELECT auth_logout($1)', [token]);
        show(res, 200, 'Signed out', html`
            <h2>You are signed out of ${product}</h2>
            <p>You are still signed in at the sign-in service:
               <a href="${signin}/">sign out of everything there</a>.</p>`, { 'Set-Cookie': cookie(SESSION, '', { maxAge: 0 }) });
    }

    async function handler(req, res, url) {
        if (req.method === 'GET' && Object.hasOwn(pages, url.pathname)) return showPage(req, res, url, pages[url.pathname]);
        if (req.method === 'GET' && url.pathname === '/callback') return callback(req, res, url);
        if (req.method === 'GET' && url.pathname === '/signin') return startSignIn(res, '/');
        if (req.method === 'POST' && url.pathname === '/logout') return logout(req, res);
        show(res, 404, 'Not found', html`<h2>Not found</h2>`);
    }

    serve({ name: `${product} App`, port: portOf(urls[product]), handler, onStop: () => db.end() });
}

// Thrown by a page for a user without the role it needs.
export const notAuthorised = Symbol('not authorised');
