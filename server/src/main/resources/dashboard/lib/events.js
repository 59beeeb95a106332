// An allocation's history (GET /v1/allocations/{id} -> events): what happened to it, oldest first. The server keeps
// the first 2 and the last 20 events of each allocation; the gap between them is shown where events were dropped.
import { api } from './api.js';
import { h, fill } from './dom.js';
import { when, ago } from './format.js';
import { card, empty, loading } from './ui.js';
import { shortId } from './allocs.js';

/** The newest event of an allocation as a short cell: type, with the message and time as its tooltip. */
export function lastEventCell(a) {
  const list = a.events || [];
  const e = list[list.length - 1];
  if (!e) return h('span', { class: 'muted' }, '—');
  return h('span', { class: 'nowrap', title: `${when(e.time)}: ${e.message}` }, e.type, h('span', { class: 'muted' }, ` · ${ago(e.time)}`));
}

/** A card showing one allocation's events; show(id) loads them, refresh() reloads the one shown. */
export function eventsPanel() {
  const body = h('div', { class: 'card-body flush' }, empty('log', 'Choose "Events" on an allocation to see its history'));
  const count = h('span');
  const el = card('Allocation events', { count }, body);
  let current = null;

  async function show(id) {
    current = id;
    fill(count, shortId(id));
    if (!body.firstChild || !body.querySelector('table')) fill(body, loading(3));
    let a;
    try {
      a = await api(`/v1/allocations/${encodeURIComponent(id)}`);
    } catch (e) {
      if (current === id) fill(body, empty('alert', `The events of ${shortId(id)} are unavailable: ${e.message}`));
      return;
    }
    if (current !== id) return;
    const events = a.events || [];
    const dropped = (a.events_total || events.length) - events.length;
    if (!events.length) {
      fill(body, empty('log', 'No events yet'));
      return;
    }
    const rows = [];
    events.forEach((e, i) => {
      if (i === 2 && dropped > 0) rows.push(h('tr', null, h('td', { colspan: 3, class: 'muted' }, `… ${dropped} event(s) not kept`)));
      rows.push(h('tr', null, h('td', { class: 'nowrap mono', title: e.time }, when(e.time)), h('td', { class: 'nowrap' }, e.type), h('td', null, e.message)));
    });
    if (events.length <= 2 && dropped > 0) rows.push(h('tr', null, h('td', { colspan: 3, class: 'muted' }, `… ${dropped} event(s) not kept`)));
    fill(body, h('table', { class: 'table' }, h('caption', { class: 'visually-hidden' }, `Events of allocation ${id}`),
      h('thead', null, h('tr', null, h('th', null, 'Time'), h('th', null, 'Type'), h('th', null, 'Message'))), h('tbody', null, ...rows)));
  }

  return { el, show, refresh: () => current && show(current) };
}
