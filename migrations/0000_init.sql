CREATE TABLE "aliases" (
	"id" text NOT NULL,
	"ipfs" text NOT NULL,
	"address" text NOT NULL,
	"alias" text PRIMARY KEY NOT NULL,
	"created" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "follows" (
	"id" text NOT NULL,
	"ipfs" text NOT NULL,
	"follower" text NOT NULL,
	"space" text NOT NULL,
	"network" text NOT NULL,
	"created" bigint NOT NULL,
	CONSTRAINT "follows_pkey" PRIMARY KEY("follower","space")
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"mci" bigint PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"ipfs" text NOT NULL,
	"address" text NOT NULL,
	"version" text NOT NULL,
	"timestamp" bigint NOT NULL,
	"space" text NOT NULL,
	"type" text NOT NULL,
	"sig" text NOT NULL,
	"receipt" text NOT NULL,
	"envelope" jsonb NOT NULL,
	"received" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "proposals" (
	"id" text PRIMARY KEY NOT NULL,
	"ipfs" text NOT NULL,
	"author" text NOT NULL,
	"created" bigint NOT NULL,
	"updated" bigint,
	"space" text NOT NULL,
	"network" text NOT NULL,
	"symbol" text NOT NULL,
	"type" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"discussion" text NOT NULL,
	"choices" jsonb NOT NULL,
	"labels" jsonb NOT NULL,
	"start" bigint NOT NULL,
	"end" bigint NOT NULL,
	"snapshot" bigint NOT NULL,
	"strategies" jsonb NOT NULL,
	"validation" jsonb NOT NULL,
	"vote_validation" jsonb NOT NULL,
	"lock_votes" boolean DEFAULT false NOT NULL,
	"plugins" jsonb NOT NULL,
	"privacy" text NOT NULL,
	"app" text NOT NULL,
	"quorum" double precision DEFAULT 0 NOT NULL,
	"quorum_type" text DEFAULT '' NOT NULL,
	"flagged" boolean DEFAULT false NOT NULL,
	"scores" numeric[] NOT NULL,
	"scores_by_strategy" numeric[] NOT NULL,
	"scores_total" numeric DEFAULT '0' NOT NULL,
	"scores_state" text DEFAULT 'pending' NOT NULL,
	"scores_updated" bigint DEFAULT 0 NOT NULL,
	"votes" integer DEFAULT 0 NOT NULL,
	"mci" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "spaces" (
	"id" text PRIMARY KEY NOT NULL,
	"settings" jsonb NOT NULL,
	"name" text NOT NULL,
	"network" text NOT NULL,
	"controller" text NOT NULL,
	"created" bigint NOT NULL,
	"updated" bigint NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"mci" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vote_history" (
	"id" text PRIMARY KEY NOT NULL,
	"voter" text NOT NULL,
	"space" text NOT NULL,
	"proposal" text NOT NULL,
	"choice" jsonb NOT NULL,
	"reason" text NOT NULL,
	"app" text NOT NULL,
	"created" bigint NOT NULL,
	"vp" numeric NOT NULL,
	"mci" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "votes" (
	"id" text NOT NULL,
	"ipfs" text NOT NULL,
	"voter" text NOT NULL,
	"space" text NOT NULL,
	"proposal" text NOT NULL,
	"choice" jsonb NOT NULL,
	"reason" text NOT NULL,
	"app" text NOT NULL,
	"metadata" jsonb NOT NULL,
	"created" bigint NOT NULL,
	"vp" numeric NOT NULL,
	"vp_by_strategy" jsonb NOT NULL,
	"vp_state" text NOT NULL,
	"mci" bigint NOT NULL,
	CONSTRAINT "votes_pkey" PRIMARY KEY("proposal","voter")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "aliases_id" ON "aliases" USING btree ("id");--> statement-breakpoint
CREATE INDEX "aliases_address" ON "aliases" USING btree ("address");--> statement-breakpoint
CREATE UNIQUE INDEX "follows_id" ON "follows" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_id" ON "messages" USING btree ("id");--> statement-breakpoint
CREATE INDEX "messages_space_mci" ON "messages" USING btree ("space","mci");--> statement-breakpoint
CREATE INDEX "messages_address" ON "messages" USING btree ("address");--> statement-breakpoint
CREATE INDEX "proposals_space_created" ON "proposals" USING btree ("space","created");--> statement-breakpoint
CREATE INDEX "proposals_created" ON "proposals" USING btree ("created");--> statement-breakpoint
CREATE INDEX "proposals_author" ON "proposals" USING btree ("author");--> statement-breakpoint
CREATE INDEX "proposals_end" ON "proposals" USING btree ("end");--> statement-breakpoint
CREATE INDEX "spaces_created" ON "spaces" USING btree ("created");--> statement-breakpoint
CREATE INDEX "spaces_controller" ON "spaces" USING btree ("controller");--> statement-breakpoint
CREATE INDEX "vote_history_proposal_mci" ON "vote_history" USING btree ("proposal","mci");--> statement-breakpoint
CREATE UNIQUE INDEX "votes_id" ON "votes" USING btree ("id");--> statement-breakpoint
CREATE INDEX "votes_proposal_created" ON "votes" USING btree ("proposal","created","id");--> statement-breakpoint
CREATE INDEX "votes_proposal_vp" ON "votes" USING btree ("proposal","vp","id");--> statement-breakpoint
CREATE INDEX "votes_voter_created" ON "votes" USING btree ("voter","created");--> statement-breakpoint
CREATE INDEX "votes_space_created" ON "votes" USING btree ("space","created");