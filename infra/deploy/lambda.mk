# How `sam build` builds a function (BuildMethod: makefile, run in the source folder:
# samconfig.toml sets build_in_source). Each function crate's Makefile includes this file.
#
# The first function builds every function binary in one cargo-lambda invocation over the
# workspace (release, arm64, one feature resolution, binaries linked in parallel); for every later
# function that invocation finds them built and returns at once. Each then copies its own
# bootstrap into SAM's artefacts folder. A full `sam build` costs one workspace build.

DEPLOY_DIR := $(dir $(lastword $(MAKEFILE_LIST)))
ROOT := $(abspath $(DEPLOY_DIR)../..)
# The including Makefile is functions/<crate>/Makefile: the crate, and its binary, are <crate>.
BINARY := $(notdir $(patsubst %/,%,$(dir $(abspath $(firstword $(MAKEFILE_LIST))))))

build-%:
	cd "$(ROOT)" && cargo lambda build --release --arm64 --workspace \
		--exclude local-gateway --exclude studioconnect-operator
	cp "$(ROOT)/target/lambda/$(BINARY)/bootstrap" "$(ARTIFACTS_DIR)/bootstrap"
