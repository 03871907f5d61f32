CREATE TABLE "relay_decisions" (
	"decision" text PRIMARY KEY NOT NULL,
	"proposal" text NOT NULL,
	"result" text NOT NULL,
	"safe_tx_hash" text,
	"note" text NOT NULL,
	"handled_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "relay_payloads" (
	"proposal" text PRIMARY KEY NOT NULL,
	"space" text NOT NULL,
	"source" text NOT NULL,
	"network" text NOT NULL,
	"safe" text NOT NULL,
	"batches" jsonb NOT NULL,
	"warnings" jsonb NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "relay_trail" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"decision" text,
	"safe_tx_hash" text,
	"step" text NOT NULL,
	"detail" jsonb NOT NULL,
	"at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "safe_confirmations" (
	"safe_tx_hash" text NOT NULL,
	"owner" text NOT NULL,
	"signature" text NOT NULL,
	"signature_type" text NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "safe_confirmations_safe_tx_hash_owner_pk" PRIMARY KEY("safe_tx_hash","owner")
);
--> statement-breakpoint
CREATE TABLE "safe_transactions" (
	"safe_tx_hash" text PRIMARY KEY NOT NULL,
	"network" text NOT NULL,
	"chain_id" integer NOT NULL,
	"safe" text NOT NULL,
	"to" text NOT NULL,
	"value" text NOT NULL,
	"data" text NOT NULL,
	"operation" integer NOT NULL,
	"safe_tx_gas" text NOT NULL,
	"base_gas" text NOT NULL,
	"gas_price" text NOT NULL,
	"gas_token" text NOT NULL,
	"refund_receiver" text NOT NULL,
	"nonce" bigint NOT NULL,
	"decision" text,
	"proposal" text,
	"space" text,
	"results_hash" text,
	"calls" jsonb NOT NULL,
	"origin" text NOT NULL,
	"proposer" text NOT NULL,
	"owners" jsonb NOT NULL,
	"threshold" integer NOT NULL,
	"status" text NOT NULL,
	"status_reason" text,
	"execution_tx_hash" text,
	"execution_raw_tx" text,
	"executor" text,
	"block_number" bigint,
	"gas_used" text,
	"queued_block" bigint NOT NULL,
	"submitted_at" bigint,
	"executed_at" bigint,
	"created_at" bigint NOT NULL,
	"modified_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "relay_trail_decision" ON "relay_trail" USING btree ("decision","id");--> statement-breakpoint
CREATE INDEX "relay_trail_safe_tx" ON "relay_trail" USING btree ("safe_tx_hash","id");--> statement-breakpoint
CREATE UNIQUE INDEX "safe_transactions_decision" ON "safe_transactions" USING btree ("decision");--> statement-breakpoint
CREATE INDEX "safe_transactions_safe_nonce" ON "safe_transactions" USING btree ("network","safe","nonce");--> statement-breakpoint
CREATE INDEX "safe_transactions_status" ON "safe_transactions" USING btree ("status");