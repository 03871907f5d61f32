CREATE TABLE "decisions" (
	"id" text PRIMARY KEY NOT NULL,
	"proposal" text NOT NULL,
	"space" text NOT NULL,
	"type" text NOT NULL,
	"choices" jsonb NOT NULL,
	"scores" jsonb NOT NULL,
	"scores_by_strategy" jsonb NOT NULL,
	"scores_total" double precision NOT NULL,
	"winning_choice" integer,
	"outcome" text NOT NULL,
	"quorum" double precision NOT NULL,
	"quorum_type" text NOT NULL,
	"quorum_reached" boolean NOT NULL,
	"reason" text NOT NULL,
	"votes_count" integer NOT NULL,
	"last_mci" bigint NOT NULL,
	"votes_hash" text NOT NULL,
	"results_hash" text NOT NULL,
	"decided_at" bigint NOT NULL,
	"signer" text NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "proposals" ADD COLUMN "voting" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "decisions_proposal" ON "decisions" USING btree ("proposal");