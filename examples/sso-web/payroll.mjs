// The Payroll App: connects as payroll_web, the app of the product Payroll. Its pages
// are read-only, for the role viewer; a user without it is not authorised.
import { notAuthorised, productApp } from './product.mjs';
import { html } from './web.mjs';

const viewerOnly = async ({ has }) => {
    if (!(await has('viewer'))) throw notAuthorised;
};
const readOnly = html`<p class="note" id="read-only">Read-only: your role in Payroll is viewer.</p>`;

productApp({
    product: 'Payroll',
    loginRole: 'payroll_web',
    colour: '#7a3e8e',
    pages: {
        '/': {
            title: 'Payslips',
            async render(ctx) {
                await viewerOnly(ctx);
                return html`
                    <h2>Payslips</h2>
                    ${readOnly}
                    <table><tr><th>month</th><th>employees</th><th>total</th></tr>
                      <tr><td>January</td><td>42</td><td>183,400.00</td></tr>
                      <tr><td>February</td><td>42</td><td>181,950.00</td></tr>
                      <tr><td>March</td><td>43</td><td>186,020.00</td></tr></table>`;
            },
        },
        '/calendar': {
            title: 'Calendar',
            async render(ctx) {
                await viewerOnly(ctx);
                return html`
                    <h2>Payroll calendar</h2>
                    ${readOnly}
                    <ul><li>25 April: April salaries paid</li><li>15 May: tax filing</li><li>26 May: May salaries paid</li></ul>`;
            },
        },
    },
});
