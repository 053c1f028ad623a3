ALTER TABLE "batch_requests" DROP CONSTRAINT "batch_requests_batch_id_batches_id_fk";
