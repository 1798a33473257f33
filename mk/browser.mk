# Chromium for the dashboard's browser tests (Playwright drives Debian's build; no download).
CHROMIUM ?= /usr/bin/chromium

.PHONY: browser

# Install Debian's chromium when it is missing; does nothing when it is there.
browser:
	@if [ -x "$(CHROMIUM)" ]; then \
		echo "chromium: $$($(CHROMIUM) --version 2>/dev/null || echo present)"; \
	else \
		echo "installing Debian's chromium (for the browser tests)"; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium fonts-dejavu-core >/dev/null && \
		$(CHROMIUM) --version; \
	fi
