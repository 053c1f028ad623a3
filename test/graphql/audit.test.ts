// GraphQL over HTTP conformance: graphql-http's server audit suite against /graphql, with a
// tenant key on every request. Every MUST audit has to pass; SHOULD/MAY results are reported.
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let key: string;

beforeAll(async () => {
  gw = await startGateway();
  key = (await gw.tenant()).key;
});
afterAll(() => gw?.close());

/** fetch with the tenant's key added, as every GraphQL operation needs one. */
const authorizedFetch: typeof fetch = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${key}`);
  return fetch(input, { ...init, headers });
};

describe('graphql-http server audits', () => {
  const audits = serverAudits({ url: () => `${gw.url}/graphql`, fetchFn: authorizedFetch });

  it('runs the whole suite', () => {
    expect(audits.length).toBeGreaterThan(50);
  });

  for (const audit of audits) {
    const must = audit.name.startsWith('MUST');
    it(`${audit.id} ${audit.name}`, async () => {
      const result = await audit.fn();
      if (result.status !== 'ok') {
        const detail = 'reason' in result ? result.reason : '';
        if (must) throw new Error(`${audit.name}: ${detail}`);
        console.info(`[${result.status}] ${audit.id} ${audit.name}: ${detail}`);
      }
      expect(must ? result.status : 'ok').toBe('ok');
    });
  }
});
