// drizzle-kit: generates SQL migrations into schema/migrations from src/db/tables.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/index.ts',
  out: './schema/migrations',
  casing: 'snake_case',
});
