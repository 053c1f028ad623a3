CREATE TABLE "workers" (
	"id" text PRIMARY KEY NOT NULL,
	"providers" text[] NOT NULL,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL
);
