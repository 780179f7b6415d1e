#!/bin/sh
# Debian's Chromium, without the libfaketime that scripts/test-at.sh
# preloads into the tests and the server: Chromium hangs with it, so the
# browser keeps the real clock (like a visitor whose computer is some
# hours off) while every figure comes from the shifted server.
exec env -u LD_PRELOAD -u FAKETIME -u FAKETIME_DONT_RESET -u FAKETIME_DONT_FAKE_MONOTONIC -u FAKETIME_SHARED /usr/bin/chromium "$@"
