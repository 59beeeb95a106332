// Shared pieces: badges, cards, banners, empty states, dialogs, toasts and allocation bars.
import { h, icon, fill } from './dom.js';
import { describe } from './api.js';
import { num } from './format.js';

/** Status words to colour tones, per kind of thing. */
const TONES = {
  node: { ready: 'ok', initializing: 'info', draining: 'warn', down: 'bad', revoked: 'off' },
  job: { running: 'ok', pending: 'info', complete: 'done', failed: 'bad', stopped: 'off', dead: 'off', cancelled: 'off' },
  op: { queued: 'info', running: 'ok', complete: 'done', failed: 'bad', cancelled: 'off' },
  step: { pending: 'off', running: 'info', done: 'done', skipped: 'off' },
  alloc: { running: 'ok', pending: 'info', complete: 'done', failed: 'bad', lost: 'lost', stopped: 'off' },
  role: { leader: 'purple', follower: 'off', candidate: 'warn', listener: 'off' },
};

/** Allocation statuses in display order (the order the API counts them in). */
export const ALLOC_ORDER = ['running', 'pending', 'complete', 'failed', 'lost', 'stopped'];

export function tone(kind, value) {
  return (TONES[kind] && TONES[kind][value]) || 'off';
}

export function badge(kind, value, label) {
  const v = value == null || value === '' ? 'unknown' : String(value);
  return h('span', { class: `badge tone-${tone(kind, v)}` }, label == null ? v : label);
}

export function plainBadge(label, t = 'off') {
  return h('span', { class: `badge plain tone-${t}` }, label);
}

export function card(title, { count, actions, id, labelId } = {}, ...body) {
  const headId = labelId || (id ? `${id}-title` : undefined);
  return h('section', { class: 'card', id, 'aria-labelledby': headId },
    h('div', { class: 'card-head' },
      h('h2', { id: headId }, title),
      count != null ? h('span', { class: 'count' }, count) : null,
      actions ? [h('span', { class: 'spacer' }), actions] : null),
    body);
}

export function pageHead({ crumbs = [], title, badges = [], subtitle, actions }) {
  return h('div', { class: 'page-head' },
    h('div', { class: 'titles' },
      crumbs.length ? h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' },
        crumbs.map((c, i) => [i ? ' / ' : null, c.href ? h('a', { href: c.href }, c.text) : c.text])) : null,
      h('div', { class: 'title-row' }, h('h1', { tabindex: '-1', 'data-page-title': '' }, title), badges),
      subtitle ? h('div', { class: 'subtitle' }, subtitle) : null),
    actions ? h('div', { class: 'actions' }, actions) : null);
}

/** Definition list from [label, value] pairs; values may be nodes. */
export function kv(pairs, cls = '') {
  return h('dl', { class: `kv ${cls}` }, pairs.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v == null || v === '' ? '—' : v)]));
}

export function empty(iconName, title, ...lines) {
  return h('div', { class: 'empty' }, icon(iconName), h('div', { class: 'title' }, title), lines.map((l) => h('p', null, l)));
}

export function loading(rows = 4) {
  return h('div', { class: 'loading', 'aria-busy': 'true', 'aria-label': 'Loading' },
    Array.from({ length: rows }, (_, i) => h('div', { class: 'skeleton', style: { width: `${90 - (i % 3) * 18}%` } })));
}

/**
 * An error banner naming what failed: "Could not load nodes: the cluster has no leader right now".
 * `onToken` adds an "Enter token" button when the failure was an ACL refusal.
 */
export function errorBanner(what, err, { onToken, stale } = {}) {
  const code = err && err.code;
  const isAcl = code && String(code).startsWith('ACL_');
  return h('div', { class: 'banner' }, icon('alert'),
    h('div', null,
      h('strong', null, `Could not ${what}: `), describe(err),
      stale ? h('div', { class: 'detail' }, stale) : null,
      err && err.request ? h('div', { class: 'detail mono' }, err.request, err.status ? ` → ${err.status}` : '', code ? ` ${code}` : '') : null,
      err && err.link ? h('div', null, h('a', { href: err.link.href }, err.link.text)) : null,
      isAcl && onToken ? h('div', { style: { marginTop: '8px' } }, h('button', { type: 'button', class: 'btn btn-sm', onclick: onToken }, 'Enter token')) : null));
}

export function infoBanner(kind, ...content) {
  return h('div', { class: `banner ${kind}` }, icon(kind === 'info' ? 'info' : 'alert'), h('div', null, content));
}

/** A modal yes/no question on the page's <dialog>; resolves true when confirmed. */
export function confirm({ title, body, ok = 'Confirm', danger = false }) {
  const dlg = document.getElementById('confirm-dialog');
  fill(document.getElementById('confirm-title'), title);
  fill(document.getElementById('confirm-body'), body);
  const okBtn = document.getElementById('confirm-ok');
  okBtn.textContent = ok;
  okBtn.className = `btn btn-primary${danger ? ' btn-danger' : ''}`;
  // The button that opened the dialog may be re-rendered meanwhile: find its replacement by data-fkey.
  const fkey = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.fkey : null;
  return new Promise((resolve) => {
    dlg.returnValue = '';
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'ok');
      if (fkey && (!document.activeElement || document.activeElement === document.body)) {
        const again = document.querySelector(`[data-fkey="${CSS.escape(fkey)}"]`);
        if (again) again.focus();
      }
    }, { once: true });
    dlg.showModal();
    document.getElementById(danger ? 'confirm-cancel' : 'confirm-ok').focus();
  });
}

export function toast(message, bad = false) {
  const box = document.getElementById('toasts');
  const t = h('div', { class: `toast${bad ? ' bad' : ''}` }, message);
  box.appendChild(t);
  setTimeout(() => t.remove(), bad ? 8000 : 4000);
}

/** A stacked bar of allocation counts with an accessible summary. */
export function allocBar(counts, { large = false } = {}) {
  const total = ALLOC_ORDER.reduce((s, k) => s + (counts[k] || 0), 0);
  const summary = total ? ALLOC_ORDER.filter((k) => counts[k]).map((k) => `${counts[k]} ${k}`).join(', ') : 'no allocations';
  const bar = h('div', { class: `bar${large ? ' bar-lg' : ''}`, role: 'img', 'aria-label': summary, title: summary },
    ALLOC_ORDER.filter((k) => counts[k]).map((k) => h('span', { class: `fill-${tone('alloc', k)}`, style: { flexGrow: String(counts[k]) } })));
  return { bar, total, summary };
}

export function allocLegend(counts) {
  return h('div', { class: 'legend' }, ALLOC_ORDER.map((k) =>
    h('span', { class: `tone-${tone('alloc', k)}` }, h('i'), `${k} `, h('strong', { class: 'num' }, num(counts[k] || 0)))));
}

/** Stat tile; a link when href is given. */
export function stat(label, value, t, href) {
  const cls = `stat tone-${t}${value ? '' : ' zero'}`;
  const body = [h('div', { class: 'label' }, label), h('div', { class: 'value' }, num(value))];
  return href ? h('a', { class: cls, href }, body) : h('div', { class: cls }, body);
}

/** A toggle group of buttons; onChange receives the chosen value. */
export function segmented(options, value, onChange, label) {
  const group = h('div', { class: 'segmented', role: 'group', 'aria-label': label });
  const buttons = options.map((o) => {
    const n = h('span', { class: 'n' });
    const b = h('button', { type: 'button', onclick: () => { set(o.value); onChange(o.value); } }, o.label, n);
    group.appendChild(b);
    return { value: o.value, b, n };
  });
  const set = (v) => buttons.forEach((x) => x.b.setAttribute('aria-pressed', String(x.value === v)));
  set(value);
  // Counts update in place so keyboard focus survives a refresh.
  const update = (counts) => buttons.forEach((x) => {
    const c = counts[x.value];
    x.n.textContent = c == null ? '' : typeof c === 'number' ? num(c) : String(c);
  });
  return { el: group, update, set };
}
