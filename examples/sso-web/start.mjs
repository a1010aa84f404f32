// Starts the demo's four processes (the sign-in service, the Accounting App, the Payroll
// App and the mailer) against a database that setup.sql has prepared, and stops them.
//
//   node start.mjs    with PGHOST, PGPORT, PGDATABASE naming the database (scripts/sso-demo)
//
// Ports from SSO_SIGNIN_PORT, SSO_ACCOUNTING_PORT, SSO_PAYROLL_PORT (default 8400, 8401,
// 8402; 0: any free one), the mail folder from SSO_MAIL_DIR (default: a new one in /tmp).
// Runs until SIGINT (Ctrl-C) or SIGTERM. The browser test imports startDemo instead.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.on('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
    });
}

// Starts one process and resolves once it prints its "listening" line.
function startChild(name, file, env, log) {
    const child = spawn(process.execPath, [path.join(here, file)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const ready = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} did not start within 20 s`)), 20_000);
        const lines = (stream) => {
            let rest = '';
            stream.setEncoding('utf8');
            stream.on('data', (chunk) => {
                const parts = (rest + chunk).split('\n');
                rest = parts.pop();
                for (const line of parts) {
                    log(`[${name}] ${line}`);
                    if (/listening/.test(line)) {
                        clearTimeout(timer);
                        resolve();
                    }
                }
            });
        };
        lines(child.stdout);
        lines(child.stderr);
        child.on('exit', (code, signal) => {
            clearTimeout(timer);
            reject(new Error(`${name} exited (${signal ?? code}) before it was ready`));
        });
    });
    return { name, child, ready };
}

// Starts the four processes; ports: { signin, Accounting, Payroll } (0 or missing: a
// free one). Resolves to { urls, mailDir, stop(), exited } once all are ready.
export async function startDemo({ ports = {}, mailDir, log = console.log } = {}) {
    const port = async (p) => (p ? Number(p) : freePort());
    const urls = {
        signin: `http://127.0.0.1:${await port(ports.signin)}`,
        Accounting: `http://127.0.0.1:${await port(ports.Accounting)}`,
        Payroll: `http://127.0.0.1:${await port(ports.Payroll)}`,
    };
    mailDir ??= mkdtempSync(path.join(os.tmpdir(), 'sso-demo-mail-'));
    const env = {
        ...process.env,
        SSO_SIGNIN_URL: urls.signin,
        SSO_ACCOUNTING_URL: urls.Accounting,
        SSO_PAYROLL_URL: urls.Payroll,
        SSO_MAIL_DIR: mailDir,
    };
    const children = [
        startChild('sign-in', 'signin.mjs', env, log),
        startChild('accounting', 'accounting.mjs', env, log),
        startChild('payroll', 'payroll.mjs', env, log),
        startChild('mailer', 'mailer.mjs', env, log),
    ];
    let stopping = false;
    const stop = async () => {
        stopping = true;
        await Promise.all(children.map(({ child }) => new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.on('exit', () => {
                clearTimeout(kill);
                resolve();
            });
            child.kill('SIGTERM');
        })));
    };
    // Resolves with the name of the first process that exits by itself.
    const exited = Promise.race(children.map(({ name, child }) =>
        new Promise((resolve) => child.on('exit', () => !stopping && resolve(name)))));
    try {
        await Promise.all(children.map((c) => c.ready));
    } catch (err) {
        await stop();
        throw err;
    }
    return { urls, mailDir, stop, exited };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const e = process.env;
    const demo = await startDemo({
        ports: { signin: e.SSO_SIGNIN_PORT ?? 8400, Accounting: e.SSO_ACCOUNTING_PORT ?? 8401, Payroll: e.SSO_PAYROLL_PORT ?? 8402 },
        mailDir: e.SSO_MAIL_DIR || undefined,
    });
    console.log(`
The single sign-on demo is running (Ctrl-C stops it):
  sign-in service  ${demo.urls.signin}/
  Accounting App   ${demo.urls.Accounting}/
  Payroll App      ${demo.urls.Payroll}/
  mailbox          ${demo.urls.signin}/mail/   (the mailer writes into ${demo.mailDir})
Sign in as alice@example.com / amber-demo-passphrase or bob@example.com / cobalt-demo-passphrase.
`);
    let code = 0;
    await Promise.race([
        new Promise((resolve) => process.once('SIGINT', resolve)),
        new Promise((resolve) => process.once('SIGTERM', resolve)),
        demo.exited.then((name) => {
            console.error(`${name} stopped: stopping the demo`);
            code = 1;
        }),
    ]);
    await demo.stop();
    console.log('demo stopped');
    process.exit(code);
}
