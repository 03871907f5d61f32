ALTER TABLE "proposals" ADD COLUMN "running_sums" numeric[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "proposals" ADD COLUMN "running_sums_by_strategy" numeric[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "proposals" ADD COLUMN "running_valid" numeric DEFAULT '0' NOT NULL;