ALTER TABLE "proposals" ADD COLUMN "scores_mci" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "votes_proposal_mci" ON "votes" USING btree ("proposal","mci");