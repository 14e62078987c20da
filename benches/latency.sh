#!/bin/sh
# Single-file latency, side by side with xmlsec1 --verify on the same files:
# `check` on one metadata document and `validate` on one response, process start included.
#
#     sh benches/latency.sh            (needs hyperfine and xmlsec1)
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin samlbridge
bin=${CARGO_TARGET_DIR:-target}/release/samlbridge
cert=testdata/keys/entra-app-active.cert.pem
now=2026-11-27T09:01:00Z
hyperfine -N --warmup 5 --runs 100 \
  -n "samlbridge check (metadata)" \
  "$bin check testdata/metadata/entra-app.xml --now $now" \
  -n "xmlsec1 --verify (metadata)" \
  "xmlsec1 --verify --pubkey-cert-pem $cert --id-attr:ID urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor testdata/metadata/entra-app.xml" \
  -n "samlbridge validate (response)" \
  "$bin validate testdata/responses/valid/idc-assertion-signed.xml --metadata testdata/metadata/entra-app-rollover.xml --target identity-center --sp-metadata testdata/metadata/identity-center-sp.xml --now $now" \
  -n "xmlsec1 --verify (response)" \
  "xmlsec1 --verify --pubkey-cert-pem $cert --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion testdata/responses/valid/idc-assertion-signed.xml"
