#!/usr/bin/env node
// Container healthcheck (`node dist/healthcheck.js`): exits 0 when this container's batchgate
// answers GET /ready with 200 within 3 s, 1 otherwise. Asks on the loopback address at PORT
// (default 8080), as the server reads it.
const port = process.env.PORT || '8080';
try {
  const res = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(3000) });
  process.exit(res.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}
