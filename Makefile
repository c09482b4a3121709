# Every target only calls a script: the scripts are the source of truth.
.PHONY: run demo test lint up down status logs reset bench bootstrap dlq backup restore chaos fuzz

run:        ## the platform on this machine: local stack + all services
	@scripts/run.sh
demo:       ## demo traffic through the public APIs of the running platform (DEMO_INQUIRIES=200)
	@scripts/demo.sh
test:       ## the whole test suite (installs what is missing, starts the stack if needed)
	@scripts/test.sh
lint:       ## ruff and mypy
	@scripts/lint.sh
bootstrap:  ## uv and the Python dependencies only
	@scripts/bootstrap.sh
up:         ## start the local stack (Kafka + MongoDB-compatible store)
	@deploy/local/stack.sh up
down:       ## stop the local stack
	@deploy/local/stack.sh down
status:     ## what of the local stack runs
	@deploy/local/stack.sh status
logs:       ## the last lines of the stack logs
	@deploy/local/stack.sh logs
reset:      ## stop the stack and delete its data (not the download cache)
	@deploy/local/stack.sh reset
backup:     ## the store (every database and the vault) into .backups/ (or FILE=...)
	@scripts/backup.sh backup $(FILE)
restore:    ## make restore FILE=...: the store as in the backup, then erasures made since made again
	@scripts/backup.sh restore $(FILE)
bench:      ## benchmarks; figures go to docs/benchmarks.md
	@scripts/bench.sh
dlq:        ## dead letters: make dlq ARGS="list hoppid.intake" or ARGS="redrive hoppid.intake --offsets 0:3"
	@scripts/dlq.sh $(or $(ARGS),--help)
chaos:      ## kill each service, the broker and the store under traffic, then check the ledger (CHAOS_SECONDS=240)
	@scripts/chaos.sh
fuzz:       ## schemathesis against every service's API with real keys: make fuzz ARGS="--max-examples 100"
	@scripts/fuzz.sh $(ARGS)
