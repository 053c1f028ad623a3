CREATE TABLE "provider_batches" (
	"batch_id" text NOT NULL,
	"provider" text NOT NULL,
	"state" text DEFAULT 'submitting' NOT NULL,
	"provider_batch_id" text,
	"status" text DEFAULT 'validating' NOT NULL,
	"total" integer NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"errors" jsonb,
	"cancel_sent_at" timestamp with time zone,
	"submitted_at" timestamp with time zone,
	"next_poll_at" timestamp with time zone NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"lease_owner" text,
	"lease_expires_at" timestamp with time zone,
	CONSTRAINT "provider_batches_batch_id_provider_pk" PRIMARY KEY("batch_id","provider")
);
--> statement-breakpoint
ALTER TABLE "batch_requests" ADD COLUMN "native" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "mode" text DEFAULT 'auto' NOT NULL;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "inline_requests" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "provider_batches" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "native_completed" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "native_failed" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "provider_batches" ADD CONSTRAINT "provider_batches_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE cascade ON UPDATE no action;