// Print the GraphQL schema as SDL into schema/schema.graphql (npm run schema:print). The test
// suite fails when the committed file differs from what this prints.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/db/client.js';
import { printedSchema } from '../src/transports/graphql/schema.js';

const path = join(packageRoot(), 'schema', 'schema.graphql');
writeFileSync(path, printedSchema());
console.log(`wrote ${path}`);
