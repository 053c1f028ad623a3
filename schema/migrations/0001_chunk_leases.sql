-- Execution leases move from request rows to chunks of 64 lines (see src/db/tables/batch-chunks.ts).
-- Rows a worker held become pending again, and running batches get chunks for their open lines.
CREATE TABLE "batch_chunks" (
	"batch_id" text NOT NULL,
	"chunk_index" integer NOT NULL,
	"first_line" integer NOT NULL,
	"line_count" integer NOT NULL,
	"providers" text[] NOT NULL,
	"lease_owner" text,
	"lease_expires_at" timestamp with time zone,
	CONSTRAINT "batch_chunks_batch_id_chunk_index_pk" PRIMARY KEY("batch_id","chunk_index")
);
--> statement-breakpoint
DROP INDEX "batch_requests_open_idx";--> statement-breakpoint
ALTER TABLE "batch_chunks" ADD CONSTRAINT "batch_chunks_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
UPDATE "batch_requests" SET "state" = 'pending' WHERE "state" = 'running';--> statement-breakpoint
INSERT INTO "batch_chunks" ("batch_id", "chunk_index", "first_line", "line_count", "providers")
  SELECT r."batch_id", r."line_index" / 64, (r."line_index" / 64) * 64, count(*), array_agg(DISTINCT r."provider")
  FROM "batch_requests" r JOIN "batches" b ON b."id" = r."batch_id"
  WHERE b."status" IN ('in_progress', 'cancelling', 'finalizing')
  GROUP BY r."batch_id", r."line_index" / 64
  HAVING bool_or(r."state" <> 'done');--> statement-breakpoint
ALTER TABLE "batch_requests" DROP COLUMN "attempts";--> statement-breakpoint
ALTER TABLE "batch_requests" DROP COLUMN "next_attempt_at";--> statement-breakpoint
ALTER TABLE "batch_requests" DROP COLUMN "lease_owner";--> statement-breakpoint
ALTER TABLE "batch_requests" DROP COLUMN "lease_expires_at";