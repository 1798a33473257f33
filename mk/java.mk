# A Java runtime for the Spark engine (pyspark brings Spark's jars, not a JVM). Debian's
# OpenJDK 17 headless; nothing is downloaded at run time.
JAVA ?= java

.PHONY: java

# Install Debian's OpenJDK 17 when no java runs; does nothing when one is there.
java:
	@if $(JAVA) -version >/dev/null 2>&1; then \
		echo "java: $$($(JAVA) -version 2>&1 | head -1)"; \
	else \
		echo "installing Debian's openjdk-17-jre-headless (for the Spark engine)"; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			openjdk-17-jre-headless >/dev/null && \
		java -version; \
	fi

setup: java
