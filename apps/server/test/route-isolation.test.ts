// security.md rule 1 and 5: walk the route table (not a hand list): every route
// keeps a partner's users out of other partners' data and needs a session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type PartnerFixture, type TestApp } from './support/app.js';

let t: TestApp;
let a: PartnerFixture;
let b: PartnerFixture;

beforeAll(async () => {
  t = await createTestApp();
  a = await t.createPartnerWithUser('Partner A');
  b = await t.createPartnerWithUser('Partner B');
});
afterAll(() => t.close());

/** Fills a route's path parameters with the ids of one partner's fixture. */
function fill(url: string, f: PartnerFixture): string {
  return url
    .replace(':partnerId', f.partnerId)
    .replace(':organizationId', f.organizationId)
    .replace(':siteId', f.siteId)
    .replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
}

// A valid body for each kind of write, so a route's own checks run, not only validation.
const bodies: Record<string, unknown> = { POST: { name: 'Probe' }, PATCH: { name: 'Probe', version: 1 }, PUT: { name: 'Probe' } };
const apiRoutes = () =>
  t.app.routeTable.filter((r) => r.url.startsWith('/api/v1/') && r.method !== 'HEAD' && r.permission !== 'public');

describe('route table', () => {
  it('has routes, and every one declared its permission', () => {
    expect(apiRoutes().length).toBeGreaterThan(15);
    expect(t.app.routeTable.filter((r) => r.permission === undefined)).toEqual([]);
  });

  it('every route with a partner in its path answers 404 and no data to another partner', async () => {
    const scoped = apiRoutes().filter((r) => r.url.includes(':partnerId'));
    expect(scoped.length).toBeGreaterThan(10);
    for (const route of scoped) {
      const url = fill(route.url, b);
      const res = await t.call(a.session, route.method as 'GET', url, bodies[route.method]);
      expect(res.statusCode, `${route.method} ${url}`).toBe(404);
      for (const id of [b.partnerId, b.organizationId, b.siteId])
        expect(res.body, `${route.method} ${route.url}`).not.toContain(id);
    }
    // and nothing was changed behind the 404s
    const org = await t.tenancy.getOrganization(b.partnerId, b.organizationId);
    expect(org).toMatchObject({ name: 'Org of Partner B', deleted_at: null, version: 1 });
  });

  it('own ids mixed with another partner’s child ids are 404 too', async () => {
    const children = apiRoutes().filter((r) => r.url.includes(':organizationId'));
    for (const route of children) {
      const url = route.url
        .replace(':partnerId', a.partnerId)
        .replace(':organizationId', b.organizationId)
        .replace(':siteId', b.siteId);
      const res = await t.call(a.session, route.method as 'GET', url, bodies[route.method]);
      expect(res.statusCode, `${route.method} ${url}`).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
  });

  it('list routes never return another partner’s rows, whatever the filters', async () => {
    const lists = apiRoutes().filter((r) => r.method === 'GET' && !/:[a-zA-Z]+$/.test(r.url));
    for (const route of lists) {
      for (const query of ['', '?include_deleted=true', `?q=Partner`, '?sort=-created_at&limit=500', '?include_total=true']) {
        const res = await t.call(a.session, 'GET', fill(route.url, a) + query);
        if (res.statusCode !== 200) continue;
        for (const id of [b.partnerId, b.organizationId, b.siteId]) expect(res.body, `${route.url}${query}`).not.toContain(id);
      }
    }
  });

  it('every non-public route refuses a request without a session', async () => {
    for (const route of apiRoutes()) {
      const res = await t.call(null, route.method as 'GET', fill(route.url, a), bodies[route.method]);
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(res.json().error.code).toBe('not_authenticated');
    }
  });

  it('every state-changing route refuses a session without the CSRF token', async () => {
    for (const route of apiRoutes().filter((r) => r.method !== 'GET')) {
      const res = await t.call({ ...a.session, csrf: 'wrong' }, route.method as 'POST', fill(route.url, a), bodies[route.method]);
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(403);
      expect(res.json().error.code).toBe('csrf_failed');
    }
  });
});
