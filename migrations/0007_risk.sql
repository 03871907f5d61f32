CREATE TABLE "risk_reports" (
	"proposal" text PRIMARY KEY NOT NULL,
	"space" text NOT NULL,
	"level" text NOT NULL,
	"report" jsonb NOT NULL,
	"votes_analyzed" integer NOT NULL,
	"last_mci" bigint NOT NULL,
	"computed_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "risk_report" jsonb;--> statement-breakpoint
CREATE INDEX "risk_reports_space" ON "risk_reports" USING btree ("space");