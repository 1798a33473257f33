# The project's Neo4j server (Neo4j 5.26 LTS Community from Maven Central; see scripts/neo4j.sh).
NEO4J_CACHE ?= $(or $(MONEYTRAIL_CACHE),$(HOME)/.cache/moneytrail)/neo4j
# Written by neo4j-start (mode 0600): NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE.
NEO4J_ENV_FILE ?= $(NEO4J_CACHE)/run/neo4j.env

.PHONY: neo4j-start neo4j-stop neo4j-status neo4j-build

# Build the launcher if needed, start the server, wait until Bolt answers (idempotent).
neo4j-start:
	@scripts/neo4j.sh start

# Stop the server cleanly (does nothing when it is not running).
neo4j-stop:
	@scripts/neo4j.sh stop

neo4j-status:
	@scripts/neo4j.sh status

neo4j-build:
	@scripts/neo4j.sh build
