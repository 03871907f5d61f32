CREATE TABLE "credentials" (
	"space" text NOT NULL,
	"id" text NOT NULL,
	"address" text NOT NULL,
	"issuer" text NOT NULL,
	"chain_id" bigint NOT NULL,
	"credential_type" text NOT NULL,
	"issued_at" bigint NOT NULL,
	"valid_from" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	"status_list_url" text,
	"status_list_index" integer,
	"jwt" text NOT NULL,
	"submitted" bigint NOT NULL,
	CONSTRAINT "credentials_pkey" PRIMARY KEY("space","id")
);
--> statement-breakpoint
CREATE TABLE "revoked_credentials" (
	"space" text NOT NULL,
	"jti" text NOT NULL,
	"revoked_by" text NOT NULL,
	"revoked_at" bigint NOT NULL,
	CONSTRAINT "revoked_credentials_pkey" PRIMARY KEY("space","jti")
);
--> statement-breakpoint
CREATE TABLE "siwe_nonces" (
	"nonce" text PRIMARY KEY NOT NULL,
	"expires_at" bigint NOT NULL,
	"used_at" bigint
);
--> statement-breakpoint
ALTER TABLE "vote_history" ADD COLUMN "credential_id" text;--> statement-breakpoint
ALTER TABLE "vote_history" ADD COLUMN "status_list_hash" text;--> statement-breakpoint
ALTER TABLE "votes" ADD COLUMN "credential_id" text;--> statement-breakpoint
ALTER TABLE "votes" ADD COLUMN "status_list_hash" text;--> statement-breakpoint
CREATE INDEX "credentials_space_address" ON "credentials" USING btree ("space","address");--> statement-breakpoint
CREATE INDEX "siwe_nonces_expires_at" ON "siwe_nonces" USING btree ("expires_at");