// The Accounting App: connects as accounting_web, the app of the product Accounting.
// Users (role user) see the invoices; admins (role admin, which includes user) also get
// the admin actions.
import { notAuthorised, productApp } from './product.mjs';
import { html } from './web.mjs';

const invoices = [
    ['INV-1041', 'Northwind Traders', '1,250.00'],
    ['INV-1042', 'Contoso Ltd', '980.40'],
    ['INV-1043', 'Fabrikam Inc', '4,310.00'],
];

productApp({
    product: 'Accounting',
    loginRole: 'accounting_web',
    colour: '#1f6f50',
    pages: {
        '/': {
            title: 'Invoices',
            async render({ has }) {
                if (!(await has('user'))) throw notAuthorised;
                const admin = await has('admin');
                return html`
                    <h2>Invoices</h2>
                    <table><tr><th>number</th><th>customer</th><th>amount</th></tr>
                    ${invoices.map(([n, c, a]) => html`<tr><td>${n}</td><td>${c}</td><td>${a}</td></tr>`)}</table>
                    <div class="actions"><button type="button">New invoice</button></div>
                    ${admin ? html`
                    <section id="admin-actions">
                      <h2>Admin actions</h2>
                      <div class="actions">
                        <button type="button">Close the month</button>
                        <button type="button">Manage users</button>
                        <button type="button">Export the ledger</button>
                      </div>
                      <p><small>Shown because auth_has_role(you, 'Accounting', 'admin') is true.</small></p>
                    </section>` : html`
                    <p class="note" id="no-admin">You are a user of Accounting: no admin actions.</p>`}`;
            },
        },
    },
});
