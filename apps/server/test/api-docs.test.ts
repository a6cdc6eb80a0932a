// API1: the OpenAPI document is generated from the same schemas that validate.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

it('describes every API route with an operationId, a tag and its permission', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  expect(res.statusCode).toBe(200);
  const spec = res.json<{
    paths: Record<string, Record<string, { operationId?: string; tags?: string[]; description?: string }>>;
  }>();
  const documented = new Set<string>();
  for (const [p, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      documented.add(`${method.toUpperCase()} ${p}`);
      expect(op.operationId, `${method} ${p}`).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.tags?.length, `${method} ${p}`).toBeGreaterThan(0);
      expect(op.description, `${method} ${p}`).toMatch(/Permission: [a-z.]+/);
    }
  }
  // The spec itself and the live socket are not REST resources.
  const notRest = ['/api/v1/openapi.json', '/api/v1/live'];
  const routes = t.app.routeTable.filter((r) => r.url.startsWith('/api/v1/') && r.method !== 'HEAD' && !notRest.includes(r.url));
  for (const r of routes) {
    const openapiPath = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
    expect(documented.has(`${r.method} ${openapiPath}`), `${r.method} ${r.url}`).toBe(true);
  }
  const ids = Object.values(spec.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
  expect(new Set(ids).size).toBe(ids.length);
});

it('serves Swagger UI at /docs', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/docs/' });
  expect(res.statusCode).toBe(200);
  expect(res.body).toContain('swagger');
});
