/**
 * The demo site's HTML: plain server-rendered pages, no external assets, with ids, data-testid
 * attributes and roles that templates can select. Every number shown is a function of the
 * instant passed in, so tests driven by a fake clock know what the page will say.
 */

export interface Product { sku: string; name: string; baseCents: number; description: string }

export const PRODUCTS: readonly Product[] = [
  { sku: 'widget', name: 'Demo Widget', baseCents: 1200, description: 'A small widget for demonstrations.' },
  { sku: 'gadget', name: 'Gadget Pro', baseCents: 129_900, description: 'The gadget professionals ask for.' },
  { sku: 'gizmo', name: 'Gizmo Mini', baseCents: 4990, description: 'Pocket-sized and surprisingly capable.' },
];

/** Prices move every 10 minutes. */
export const PRICE_PERIOD_MS = 10 * 60_000;

/** A product's price in cents at an instant: up to ±5 % around its base, stepping per period. */
export function priceCents(product: Product, now: number): number {
  const period = Math.floor(now / PRICE_PERIOD_MS);
  const skuSeed = [...product.sku].reduce((sum, ch) => sum + ch.charCodeAt(0), 0);
  const percent = ((period * 7 + skuSeed) % 11) - 5;
  return Math.round((product.baseCents * (100 + percent)) / 100);
}

const euro = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });
export function formatEuro(cents: number): string {
  return euro.format(cents / 100);
}

/** Stock of each inventory item at an instant: changes every hour. */
export const INVENTORY = [
  { sku: 'widget', name: 'Demo Widget' },
  { sku: 'gadget', name: 'Gadget Pro' },
  { sku: 'gizmo', name: 'Gizmo Mini' },
  { sku: 'doohickey', name: 'Doohickey' },
  { sku: 'thingamajig', name: 'Thingamajig' },
] as const;

export function stockAt(index: number, now: number): number {
  const hour = Math.floor(now / 3_600_000);
  return (hour * 13 + index * 17) % 40;
}

/** Dashboard metrics for the day containing `now`. */
export function metricsAt(now: number): { visitors: number; orders: number; revenueCents: number; conversion: number } {
  const day = Math.floor(now / 86_400_000);
  const visitors = 1000 + ((day * 37) % 500);
  const orders = 20 + ((day * 11) % 30);
  return { visitors, orders, revenueCents: orders * 4321, conversion: Math.round((orders / visitors) * 1000) / 10 };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `body{font-family:sans-serif;max-width:48rem;margin:1rem auto;padding:0 1rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
nav a{margin-right:1rem}#tooltip{display:none;background:#ffd;padding:.25rem}.error{color:#b00}`;

export function layout(title: string, body: string, script = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Demo shop</title><style>${STYLE}</style></head>
<body>
<nav aria-label="main"><a href="/">Home</a> <a href="/products">Products</a> <a href="/inventory">Inventory</a> <a href="/dashboard">Dashboard</a> <a href="/forms">Forms</a> <a href="/downloads">Downloads</a></nav>
<main id="main">
<h1>${escapeHtml(title)}</h1>
${body}
</main>
${script ? `<script>${script}</script>` : ''}
</body></html>`;
}

export function homePage(): string {
  return layout('Demo shop', `<p>A small shop for trying agentcron templates.</p>
<ul>
<li><a href="/products">Products</a> (prices change every 10 minutes)</li>
<li><a href="/login">Log in</a> (user <code>demo</code>, password <code>demo</code>) to see the <a href="/dashboard">dashboard</a></li>
<li><a href="/inventory">Inventory</a></li>
<li><a href="/forms">Forms</a>, <a href="/interactions">interactions</a>, <a href="/downloads">downloads</a></li>
<li><a href="/pages/slow">A slow page</a>, <a href="/pages/flaky">a flaky page</a>, <a href="/pages/hang">a page that never loads</a></li>
</ul>`);
}

export function productsPage(now: number): string {
  const items = PRODUCTS.map((p) => `<li data-testid="product" data-sku="${p.sku}">
  <a class="name" href="/products/${p.sku}">${escapeHtml(p.name)}</a>
  <span class="price" data-testid="price">${formatEuro(priceCents(p, now))}</span>
</li>`).join('\n');
  return layout('Products', `<ul id="products" role="list">\n${items}\n</ul>`);
}

export function productPage(product: Product, now: number): string {
  const stock = stockAt(INVENTORY.findIndex((i) => i.sku === product.sku), now);
  return layout(product.name, `<p class="description">${escapeHtml(product.description)}</p>
<p>Price: <span id="price" data-testid="price">${formatEuro(priceCents(product, now))}</span></p>
<p>Availability: <span id="availability" data-testid="availability">${stock > 0 ? 'In stock' : 'Sold out'}</span></p>
<form id="cart" action="/cart" method="get">
  <input type="hidden" name="sku" value="${product.sku}">
  <label for="quantity">Quantity</label>
  <select id="quantity" name="quantity"><option>1</option><option>2</option><option>3</option></select>
  <label><input type="checkbox" id="gift" name="gift" value="yes"> Gift wrap</label>
  <button type="submit" id="add-to-cart">Add to cart</button>
</form>`);
}

export function cartPage(query: URLSearchParams): string {
  const product = PRODUCTS.find((p) => p.sku === query.get('sku'));
  return layout('Cart', `<p id="cart-summary" role="status">${escapeHtml(query.get('quantity') ?? '1')} × ${escapeHtml(product?.name ?? 'unknown')}${query.get('gift') === 'yes' ? ', gift wrapped' : ''}</p>`);
}

export function loginPage(next: string, failed: boolean): string {
  return layout('Log in', `${failed ? '<p class="error" role="alert" id="login-error">Wrong user name or password.</p>' : ''}
<form id="login" method="post" action="/login">
  <input type="hidden" name="next" value="${escapeHtml(next)}">
  <p><label for="username">User name</label> <input id="username" name="username" autocomplete="username"></p>
  <p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password"></p>
  <p><button type="submit" id="login-submit">Log in</button></p>
</form>`);
}

export function dashboardPage(user: string, now: number): string {
  const m = metricsAt(now);
  const row = (key: string, label: string, value: string) => `<tr data-metric="${key}"><th scope="row">${label}</th><td class="value">${value}</td></tr>`;
  return layout('Dashboard', `<p id="welcome">Signed in as <strong id="user">${escapeHtml(user)}</strong>. <a href="/logout" id="logout">Log out</a></p>
<table id="metrics" aria-label="metrics">
<thead><tr><th>Metric</th><th>Today</th></tr></thead>
<tbody>
${row('visitors', 'Visitors', m.visitors.toLocaleString('en-US'))}
${row('orders', 'Orders', String(m.orders))}
${row('revenue', 'Revenue', formatEuro(m.revenueCents))}
${row('conversion', 'Conversion', `${m.conversion.toFixed(1)}%`)}
</tbody></table>`);
}

export function inventoryPage(now: number): string {
  const rows = INVENTORY.map((item, i) => `<tr data-testid="inventory-row" data-sku="${item.sku}"><td data-field="sku">${item.sku}</td><td data-field="name">${escapeHtml(item.name)}</td><td data-field="stock">${stockAt(i, now)}</td></tr>`).join('\n');
  return layout('Inventory', `<table id="inventory" aria-label="inventory">
<thead><tr><th>SKU</th><th>Name</th><th>Stock</th></tr></thead>
<tbody>
${rows}
</tbody></table>`);
}

export function formsPage(): string {
  return layout('Forms', `<form id="signup" action="/forms/result" method="get">
  <p><label for="email">Email</label> <input id="email" name="email" type="email"></p>
  <p><label for="plan">Plan</label> <select id="plan" name="plan"><option value="free">Free</option><option value="pro">Pro</option><option value="team">Team</option></select></p>
  <p><label><input type="checkbox" id="newsletter" name="newsletter" value="yes"> Send me the newsletter</label></p>
  <p><label><input type="checkbox" id="terms" name="terms" value="yes" checked> I accept the terms</label></p>
  <p><button type="submit" id="signup-submit">Sign up</button></p>
</form>`);
}

export function formResultPage(query: URLSearchParams): string {
  const rows = ['email', 'plan', 'newsletter', 'terms']
    .map((k) => `<tr data-field="${k}"><th scope="row">${k}</th><td>${escapeHtml(query.get(k) ?? 'no')}</td></tr>`).join('\n');
  return layout('Signed up', `<table id="result" aria-label="submitted">\n${rows}\n</table>`);
}

/** Hover, scroll, late content and key presses, each leaving a visible trace in the page. */
export function interactionsPage(): string {
  return layout('Interactions', `<p><button id="help" type="button">Help</button> <span id="tooltip" role="tooltip">Hovering shows this tip.</span></p>
<p><label for="search">Search</label> <input id="search" name="search"> <span id="search-status" role="status">idle</span></p>
<p id="late-status">loading…</p>
<p id="scroll-status" role="status">at the top</p>
<div style="height:3000px" aria-hidden="true"></div>
<footer id="footer">The end of the page.</footer>`, `
document.getElementById('help').addEventListener('mouseenter', () => { document.getElementById('tooltip').style.display = 'inline'; });
document.getElementById('search').addEventListener('keydown', (e) => { if (e.key === 'Enter') document.getElementById('search-status').textContent = 'searched for ' + e.target.value; });
setTimeout(() => { document.getElementById('late-status').textContent = 'Late content arrived'; }, 500);
addEventListener('scroll', () => { document.getElementById('scroll-status').textContent = scrollY > 0 ? 'scrolled' : 'at the top'; });`);
}

export function downloadsPage(): string {
  return layout('Downloads', `<p><a id="report-link" href="/files/report.csv" download>Download the report (CSV)</a></p>`);
}

export function reportCsv(now: number): string {
  return ['sku,name,stock', ...INVENTORY.map((item, i) => `${item.sku},${item.name},${stockAt(i, now)}`)].join('\n') + '\n';
}

export function messagePage(title: string, text: string): string {
  return layout(title, `<p id="message">${escapeHtml(text)}</p>`);
}
