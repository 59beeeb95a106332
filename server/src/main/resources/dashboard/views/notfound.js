// Unknown routes: say so and offer the real pages.
import { h } from '../lib/dom.js';
import { card, pageHead, empty } from '../lib/ui.js';

export function notFoundView(ctx) {
  ctx.setTitle('Page not found');
  ctx.root.append(
    pageHead({ title: 'Page not found' }),
    card('Nothing here', {}, empty('search', 'This dashboard has no such page',
      h('span', null, 'Try the ', h('a', { href: '#/' }, 'overview'), ', ', h('a', { href: '#/nodes' }, 'nodes'), ', ',
        h('a', { href: '#/jobs' }, 'jobs'), ' or the ', h('a', { href: '#/raft' }, 'Raft log'), '.'))));
  return { refresh: async () => {}, interval: 0 };
}
