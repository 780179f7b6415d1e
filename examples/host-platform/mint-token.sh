#!/usr/bin/env bash
# Mints a Pulse embedding token (HS256) with openssl: docs/EMBED.md, "Minting
# a token". Run it on the host platform's server, never in the browser.
#   PULSE_EMBED_SECRET=... mint-token.sh INTEGRATION VIEWER_ID VIEWER_NAME ROLE AGENT [SECTION]
# Prints the token. The name must not contain '"' or '\' (build the JSON
# with a JSON library for arbitrary names, as the Python and Node versions do).
set -euo pipefail
integration=$1 viewer_id=$2 viewer_name=$3 role=$4 agent=$5 section=${6:-}
: "${PULSE_EMBED_SECRET:?set PULSE_EMBED_SECRET to the shared secret of the integration}"

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

now=$(date +%s)
section_claim=""
[[ -n "$section" ]] && section_claim=$(printf ',"section":"%s"' "$section")
header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
payload=$(printf '{"iss":"%s","sub":"%s","name":"%s","role":"%s","agents":["%s"]%s,"iat":%d,"exp":%d,"jti":"%s"}' \
    "$integration" "$viewer_id" "$viewer_name" "$role" "$agent" "$section_claim" \
    "$now" $((now + 300)) "$(openssl rand -hex 16)" | b64url)
signature=$(printf '%s.%s' "$header" "$payload" |
    openssl dgst -sha256 -mac HMAC -macopt "key:$PULSE_EMBED_SECRET" -binary | b64url)
printf '%s.%s.%s\n' "$header" "$payload" "$signature"
