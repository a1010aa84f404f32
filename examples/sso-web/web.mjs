// What the three web apps share: the database pool (one login role each), cookies, form
// bodies, HTML pages, and starting and stopping an HTTP server on 127.0.0.1.
// Node's own http module and `pg`; no framework.
import http from 'node:http';
import pg from 'pg';

// A pool connecting as `user` to the demo's database, over the server's Unix socket when
// PGHOST is a directory (scripts/lib.sh's throwaway server). Every query passes its values
// as bind parameters ($1, $2, …): a password never appears in the SQL text.
export function pool(user) {
    return new pg.Pool({
        host: process.env.PGHOST,
        port: Number(process.env.PGPORT || 5432),
        database: process.env.PGDATABASE,
        user,
        max: 4,
        application_name: user,
    });
}

// The first column of the first row of a query.
export async function value(db, sql, params = []) {
    const { rows } = await db.query({ text: sql, values: params, rowMode: 'array' });
    return rows.length ? rows[0][0] : null;
}

export function escapeHtml(s) {
    return String(s ?? '').replace(/[&<>"']/g, (c) =>
        ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

// A tagged template that escapes every interpolated value, unless it is already html``.
class Html {
    constructor(s) { this.s = s; }
    toString() { return this.s; }
}
export function html(strings, ...values) {
    let out = strings[0];
    values.forEach((v, i) => {
        const one = (x) => (x instanceof Html ? x.s : escapeHtml(x));
        out += (Array.isArray(v) ? v.map(one).join('') : v == null || v === false ? '' : one(v)) + strings[i + 1];
    });
    return new Html(out);
}

// A whole page: the app's name and colour in a bar, then the body.
export function page({ app, colour, title, body, nav = '' }) {
    return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>${title} · ${app}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; color: #222; background: #f6f7f9; }
  header { background: ${colour}; color: white; padding: 12px 24px; display: flex; align-items: center; gap: 24px; }
  header h1 { font-size: 20px; margin: 0; }
  header nav a { color: white; margin-right: 16px; }
  main { max-width: 760px; margin: 24px auto; background: white; padding: 20px 28px; border-radius: 8px;
         box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  label { display: block; margin: 10px 0 4px; }
  input[type=email], input[type=password], input[type=text] { width: 320px; padding: 6px; font-size: 15px; }
  button { margin-top: 12px; padding: 7px 16px; font-size: 15px; cursor: pointer; }
  .note { background: #fff8dc; border: 1px solid #e6d98c; padding: 8px 12px; border-radius: 6px; }
  .error { background: #fde8e8; border: 1px solid #e5a5a5; padding: 8px 12px; border-radius: 6px; }
  .ok { background: #e8f6ea; border: 1px solid #9fd1a6; padding: 8px 12px; border-radius: 6px; }
  table { border-collapse: collapse; margin: 8px 0; }
  td, th { border: 1px solid #ddd; padding: 4px 10px; text-align: left; }
  .actions button { margin-right: 8px; }
  small { color: #666; }
</style></head>
<body><header><h1>${app}</h1><nav>${nav}</nav></header>
<main>${body}</main></body></html>`.s;
}

export function parseCookies(req) {
    const out = {};
    for (const part of (req.headers.cookie || '').split(';')) {
        const i = part.indexOf('=');
        if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    }
    return out;
}

// A Set-Cookie value: HttpOnly and SameSite=Lax always (the demo runs on plain http on
// loopback; a real deployment adds Secure). maxAge 0 deletes it.
export function cookie(name, value, { maxAge } = {}) {
    let c = `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax`;
    if (maxAge !== undefined) c += `; Max-Age=${maxAge}`;
    return c;
}

// The fields of a form POST (application/x-www-form-urlencoded), at most 16 kB.
export function readForm(req) {
    return new Promise((resolve, reject) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk) => {
            body += chunk;
            if (body.length > 16384) reject(new Error('form too large'));
        });
        req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(body))));
        req.on('error', reject);
    });
}

export function send(res, status, body, headers = {}) {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
    res.end(body);
}

export function redirect(res, location, headers = {}) {
    res.writeHead(303, { Location: location, ...headers });
    res.end();
}

// The client's address as inet, for the audit log.
export function clientIp(req) {
    return req.socket.remoteAddress || null;
}

// Starts an HTTP server on 127.0.0.1:port with handler(req, res, url); every response
// carries Referrer-Policy: no-referrer (codes and tokens travel in URLs) and no caching.
// Prints "listening on <url>" (start.mjs waits for it); SIGINT and SIGTERM stop it and
// then call onStop (to end the pools).
export function serve({ name, port, handler, onStop }) {
    const server = http.createServer(async (req, res) => {
        res.setHeader('Referrer-Policy', 'no-referrer');
        res.setHeader('Cache-Control', 'no-store');
        try {
            await handler(req, res, new URL(req.url, `http://${req.headers.host || '127.0.0.1'}`));
        } catch (err) {
            // The extension's messages never hold a password or a token; ours neither.
            console.error(`${name}: ${req.method} ${new URL(req.url, 'http://x').pathname}: ${err.message}`);
            if (!res.headersSent) send(res, 500, `<h1>Something went wrong</h1><p>${escapeHtml(err.message)}</p>`);
            else res.end();
        }
    });
    server.listen(port, '127.0.0.1', () => console.log(`${name}: listening on http://127.0.0.1:${server.address().port}`));
    let stopping = false;
    const stop = async () => {
        if (stopping) return;
        stopping = true;
        server.close();
        server.closeAllConnections();
        await onStop?.();
        process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return server;
}
