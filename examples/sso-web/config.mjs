// The demo's configuration, from the environment start.mjs gives each process.

function need(name) {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set: start the demo with start.mjs (scripts/sso-demo)`);
    return v;
}

// Where each app is. The sign-in service sends codes only to the callback addresses
// configured here, never to an address taken from a request.
export const signinUrl = () => need('SSO_SIGNIN_URL');
export const productUrls = () => ({
    Accounting: need('SSO_ACCOUNTING_URL'),
    Payroll: need('SSO_PAYROLL_URL'),
});
// The folder the mailer writes mails into and the sign-in service serves at /mail/.
export const mailDir = () => need('SSO_MAIL_DIR');

export const portOf = (url) => Number(new URL(url).port);

// The demo's users, as setup.sql makes them; the sign-in page shows them.
export const demoUsers = [
    { email: 'alice@example.com', password: 'amber-demo-passphrase', who: 'Alice Adams: admin in Accounting, viewer in Payroll' },
    { email: 'bob@example.com', password: 'cobalt-demo-passphrase', who: 'Bob Brown: user in Accounting, no access to Payroll' },
];
